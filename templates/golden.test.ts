/**
 * Golden files for the alert templates: each case in golden-cases.ts renders to
 * `__golden__/<case>.slack.json` (Block Kit payload) and `__golden__/<case>.email.txt`
 * (subject line, blank line, body), compared byte for byte.
 *
 * After an intended template change, regenerate and review the diff:
 *
 *     UPDATE_GOLDEN=1 npx vitest run templates
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEmailAlert } from './email-alert';
import { goldenCases } from './golden-cases';
import { renderSlackAlert } from './slack-alert';

const dir = new URL('./__golden__/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';

function compare(file: string, actual: string): void {
  const url = new URL(file, dir);
  if (update) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(url, actual);
    return;
  }
  if (!existsSync(url)) {
    throw new Error(`missing golden file __golden__/${file}: run UPDATE_GOLDEN=1 npx vitest run templates`);
  }
  expect(actual, `__golden__/${file} differs (UPDATE_GOLDEN=1 to accept)`).toBe(readFileSync(url, 'utf8'));
}

describe('golden alert pages', () => {
  it('covers the representative set', () => {
    expect(goldenCases.map((c) => c.name)).toEqual([
      'firing-alarm-with-users',
      'insight-update',
      'resolved',
      'partial-enrichment',
      'sampled-estimate',
      'enrichment-failed',
      'test-alert',
      'mention-injection',
    ]);
  });

  for (const c of goldenCases) {
    it(`${c.name}: Slack`, () => {
      compare(`${c.name}.slack.json`, JSON.stringify(renderSlackAlert(c.input), null, 2) + '\n');
    });
    it(`${c.name}: email`, () => {
      const { subject, body } = renderEmailAlert(c.input);
      compare(`${c.name}.email.txt`, `${subject}\n\n${body}`);
    });
  }
});
