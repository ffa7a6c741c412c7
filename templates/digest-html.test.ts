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
import { escapeHtml, renderDigestHtml } from './digest-html';
import type { DigestFigures } from './digest-text';

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
  nameUsers = false,
): DigestFigures {
  const incidents = incidentsFromScripts(scripts);
  return computeDigest({
    periods: digestPeriods(at, 'weekly', 'Europe/London'),
    incidents,
    previousIncidents: incidents,
    rules: ruleSet.rules,
    nameUsers,
  });
}

const hostile: IncidentScript = {
  ruleId: 'x',
  severity: 'page',
  title: `Checkout <img src=x onerror=alert(1)> "down" & 'out'`,
  at: '2026-11-22T20:00:00Z',
  users: ['<script>alert(1)</script>', 'a"b'],
};

describe('renderDigestHtml', () => {
  it('matches the golden weekly digest', async () => {
    await expectGolden('digest-weekly.html', renderDigestHtml(figuresFor(sampleHistory())));
  });

  it('matches the golden quiet-week digest', async () => {
    await expectGolden(
      'digest-quiet.html',
      renderDigestHtml(figuresFor(sampleHistory(), new Date('2026-12-07T08:00:00Z'))),
    );
  });

  it('is email-safe: no scripts, stylesheets, classes, images or anything fetched from outside', () => {
    const html = renderDigestHtml(figuresFor([...sampleHistory(), hostile], SAMPLE_RUN_AT, true));
    expect(html).not.toMatch(/<script|<style|<link|<img|<iframe|<svg/i);
    // Inside tags only: the escaped hostile title legitimately shows "src=" as text.
    const tags = html.match(/<[^>]+>/g) ?? [];
    expect(tags.filter((t) => /\s(class|src|href|on\w+)=|url\(|javascript:/i.test(t))).toEqual([]);
    expect(tags.length).toBeGreaterThan(100);
  });

  it('escapes every untrusted title and username', () => {
    const html = renderDigestHtml(figuresFor([hostile], SAMPLE_RUN_AT, true));
    expect(html).toContain(
      'Checkout &lt;img src=x onerror=alert(1)&gt; &quot;down&quot; &amp; &#39;out&#39;',
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a&quot;b');
    expect(html).not.toContain('<script>');
  });

  it('draws one chart row per local day, the busiest day filling the track', () => {
    const html = renderDigestHtml(figuresFor(sampleHistory()));
    const dayRows = html.match(/<tr><td width="90"[^>]*>[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}<\/td>/g) ?? [];
    expect(dayRows).toHaveLength(7);
    const monday = html.slice(html.indexOf('>Mon 16 Nov<'), html.indexOf('>Tue 17 Nov<'));
    const widths = [...monday.matchAll(/bgcolor="#[0-9a-f]{6}" style="width:(\d+)px/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toEqual([170, 170]);
  });

  it('names users only when the figures carry names', () => {
    expect(renderDigestHtml(figuresFor(sampleHistory()))).not.toMatch(/alice|mallory/);
    expect(renderDigestHtml(figuresFor(sampleHistory(), SAMPLE_RUN_AT, true))).toContain(
      'alice, bob, carol, dave',
    );
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes, & first', () => {
    expect(escapeHtml(`<a href="x">'&amp;'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;amp;&#39;&lt;/a&gt;',
    );
  });
});
