import { describe, expect, it } from 'vitest';
import { escapeMrkdwn } from './escape';
import { graphemesOf, truncate, truncateUtf8, utf8Length } from './limits';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('truncate', () => {
  it('returns short text unchanged and cuts long text with an ellipsis within the limit', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 8)).toBe('hello w…');
    expect(truncate('hello', 0)).toBe('');
  });

  it('never splits a surrogate pair, a ZWJ emoji or a combining sequence', () => {
    for (let max = 1; max < 12; max++) {
      const cut = truncate('😀😀😀😀😀😀', max);
      expect(cut).not.toMatch(LONE_SURROGATE);
      expect(cut.length).toBeLessThanOrEqual(max);
    }
    expect(truncate('👩🏽‍💻👩🏽‍💻', 10)).toBe('👩🏽‍💻…');
    expect(truncate('e\u0301e\u0301e\u0301', 4)).toBe('e\u0301…');
  });

  it('limits the encoded length and never cuts an entity', () => {
    const out = truncate('a&b&c&d', 9, escapeMrkdwn);
    expect(out).toBe('a&amp;b…');
    expect(out.length).toBeLessThanOrEqual(9);
  });
});

describe('graphemesOf', () => {
  it('matches Intl.Segmenter across chunk boundaries, including very long clusters', () => {
    const zalgo = `z${'\u0301'.repeat(700)}`;
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
    // Shifting the start moves every chunk boundary through every position inside the clusters.
    for (let shift = 0; shift < 12; shift++) {
      const text = `${'x'.repeat(shift)}${'ab👩🏽‍💻e\u0301🇯🇵'.repeat(120)}${zalgo}tail`;
      const expected = [...segmenter.segment(text)].map((s) => s.segment);
      expect([...graphemesOf(text)], `shift ${shift}`).toEqual(expected);
    }
    expect([...graphemesOf('')]).toEqual([]);
  });

  it('stays fast on long text (Node 20 Segmenter is quadratic on one long string)', () => {
    const text = 'x&y '.repeat(50_000);
    const started = performance.now();
    let n = 0;
    for (const _ of graphemesOf(text)) n++;
    expect(n).toBe(200_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('truncateUtf8', () => {
  it('counts bytes, not characters, and keeps whole graphemes', () => {
    const text = '😀'.repeat(100); // 400 bytes
    const out = truncateUtf8(text, 50, '[cut]');
    expect(utf8Length(out)).toBeLessThanOrEqual(50);
    expect(out).toBe(`${'😀'.repeat(11)}[cut]`);
    expect(truncateUtf8('short', 50, '[cut]')).toBe('short');
  });
});
