import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { computeDigest } from '../functions/digest/compute';
import { digestPeriods } from '../functions/digest/period';
import {
  SAMPLE_RUN_AT,
  incidentsFromScripts,
  sampleHistory,
  type IncidentScript,
} from '../functions/digest/test-support';
import { ruleSet } from '../rules';
import { renderDigestHtml } from './digest-html';
import {
  barSegments,
  digestSubject,
  renderDigestText,
  type DayCount,
  type DigestFigures,
} from './digest-text';

/** Compares with `__golden__/<name>`; `npm run golden:update` rewrites it. */
async function expectGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`./__golden__/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(url, actual);
  const expected = await readFile(url, 'utf8').catch(() => undefined);
  expect(expected, `missing golden file ${name}: run npm run golden:update`).toBeDefined();
  expect(actual).toBe(expected);
}

function figuresFor(
  scripts: readonly IncidentScript[],
  at = SAMPLE_RUN_AT,
  options: { cadence?: 'daily' | 'weekly'; nameUsers?: boolean } = {},
): DigestFigures {
  const incidents = incidentsFromScripts(scripts);
  return computeDigest({
    periods: digestPeriods(at, options.cadence ?? 'weekly', 'Europe/London'),
    incidents,
    previousIncidents: incidents,
    rules: ruleSet.rules,
    nameUsers: options.nameUsers ?? false,
  });
}

const hostile: IncidentScript = {
  ruleId: 'x',
  severity: 'page',
  title: `Checkout <b>down</b>\nFAKE: all clear \u202Eevil ${'very long title '.repeat(20)}`,
  at: '2026-11-22T20:00:00Z',
  users: ['bob\nFAKE LINE', `${'z'.repeat(300)}`, '<script>alert(1)</script>'],
};

const lines = (text: string) => text.replace(/\n$/, '').split('\n');

describe('renderDigestText', () => {
  it('matches the golden weekly digest', async () => {
    await expectGolden('digest-weekly.txt', renderDigestText(figuresFor(sampleHistory())));
  });

  it('matches the golden quiet-week digest', async () => {
    await expectGolden(
      'digest-quiet.txt',
      renderDigestText(figuresFor(sampleHistory(), new Date('2026-12-07T08:00:00Z'))),
    );
  });

  it('matches the golden daily digest that names users', async () => {
    const figures = figuresFor(sampleHistory(), new Date('2026-11-19T08:00:00Z'), {
      cadence: 'daily',
      nameUsers: true,
    });
    await expectGolden('digest-daily-named.txt', renderDigestText(figures));
  });

  it('keeps every line within 72 columns, even with long hostile titles and names', () => {
    const text = renderDigestText(
      figuresFor([...sampleHistory(), hostile], SAMPLE_RUN_AT, { nameUsers: true }),
    );
    const tooWide = lines(text).filter((l) => [...l].length > 72);
    expect(tooWide).toEqual([]);
  });

  it('cannot be made to forge a line or reorder text by a title or username', () => {
    const text = renderDigestText(figuresFor([hostile], SAMPLE_RUN_AT, { nameUsers: true }));
    expect(lines(text).some((l) => /^\s*FAKE/.test(l))).toBe(false);
    expect(text).not.toContain('\u202E');
    expect(text).toContain('bob\uFFFDFAKE LINE');
  });

  it('names users only when the figures carry names', () => {
    const counted = renderDigestText(figuresFor(sampleHistory()));
    expect(counted).not.toMatch(/alice|mallory/);
    expect(counted).toContain('Users are counted, not named (digest.nameUsers is off).');
    const named = renderDigestText(figuresFor(sampleHistory(), SAMPLE_RUN_AT, { nameUsers: true }));
    expect(named).toContain('USERS AFFECTED (named because digest.nameUsers is on)');
    expect(named).toContain('mallory');
  });
});

describe('digestSubject', () => {
  it('is printable ASCII under 100 characters and says "+" for a lower bound', () => {
    const subject = digestSubject(figuresFor(sampleHistory()));
    expect(subject).toBe('User-impact digest 16-22 Nov 2026: 9 incidents, 14+ users affected');
    const quiet = digestSubject(figuresFor([], new Date('2027-01-04T08:00:00Z')));
    expect(quiet).toBe('User-impact digest 28 Dec 2026 - 3 Jan 2027: no incidents');
    for (const s of [subject, quiet]) expect(s).toMatch(/^[\x20-\x7e]{1,99}$/);
  });
});

describe('digest under sampling', () => {
  const sampled: IncidentScript = {
    ruleId: 'registered-user-faults',
    severity: 'page',
    title: 'Faults for registered shoppers',
    at: '2026-11-20T10:00:00Z',
    pagedAfterMs: 120_000,
    resolvedAfterMs: 900_000,
    users: ['a', 'b', 'c', 'd', 'e', 'f'],
    estimate: { seen: 6, estimate: 190, low: 150, high: 240, samplingRate: 0.05 },
  };

  it('uses the figure the page used: about N with its interval and the users seen', () => {
    const figures = figuresFor([sampled]);
    expect(digestSubject(figures)).toBe(
      'User-impact digest 16-22 Nov 2026: 1 incident, about 190 users affected',
    );
    const text = renderDigestText(figures);
    expect(text).toContain('about 190 (95 %: 150–240; 6 seen)');
    expect(text).toContain('"About": requests were sampled');
    const html = renderDigestHtml(figures);
    expect(html).toContain('about 190 (95 %: 150–240; 6 seen)');
    expect(html).toContain('&quot;About&quot;: requests were sampled');
  });
});

describe('barSegments', () => {
  const day = (page: number, ticket: number, info: number): DayCount => ({
    date: '2026-11-16',
    total: page + ticket + info,
    bySeverity: { page, ticket, info },
  });
  const sum = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);

  it('fills the width on the busiest day, in proportion by severity', () => {
    expect(barSegments(day(2, 1, 1), 4, 40)).toEqual({ page: 20, ticket: 10, info: 10 });
    expect(barSegments(day(1, 0, 0), 4, 40)).toEqual({ page: 10, ticket: 0, info: 0 });
    expect(barSegments(day(0, 0, 0), 4, 40)).toEqual({ page: 0, ticket: 0, info: 0 });
  });

  it('keeps a lone page visible among many infos without overflowing the width', () => {
    const seg = barSegments(day(1, 0, 499), 500, 30);
    expect(seg.page).toBe(1);
    expect(sum(seg)).toBe(30);
    const tiny = barSegments(day(1, 1, 1), 500, 30);
    expect(tiny).toEqual({ page: 1, ticket: 1, info: 1 });
  });

  it('adds up exactly for awkward shares', () => {
    for (const [p, t, i] of [
      [1, 1, 1],
      [7, 3, 2],
      [10, 0, 3],
      [333, 333, 334],
    ] as const) {
      const seg = barSegments(day(p, t, i), p + t + i, 30);
      expect(sum(seg), `${p}/${t}/${i}`).toBe(30);
    }
  });
});
