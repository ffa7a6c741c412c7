/**
 * Size limits of the two channels, and truncation that respects them without breaking text.
 *
 * Slack (docs.slack.dev, see docs/aws-events.md §6): ≤ 50 blocks per message,
 * section text ≤ 3,000 characters, header text ≤ 150, `text` best under 4,000; the sum of
 * block text is kept ≤ 11,000 because `msg_blocks_too_long` was seen at ~13k, below the
 * documented limits. SNS: message ≤ 256 KB counted in UTF-8 bytes; email subject ASCII,
 * < 100 characters, no line breaks.
 *
 * Lengths are JavaScript string lengths (UTF-16 code units), never less than what Slack
 * counts, so staying under them in code units stays under them in Slack. Truncation cuts
 * between grapheme clusters: never inside a surrogate pair, a combining sequence or an
 * emoji ZWJ sequence.
 */

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_SECTION_TEXT_MAX = 3_000;
export const SLACK_HEADER_TEXT_MAX = 150;
/** Context block elements: not documented here; kept at the section-field limit. */
export const SLACK_CONTEXT_TEXT_MAX = 2_000;
export const SLACK_TOTAL_TEXT_MAX = 11_000;
/** Strictly under 4,000. */
export const SLACK_FALLBACK_TEXT_MAX = 3_999;
export const SNS_MESSAGE_MAX_BYTES = 262_144;
export const EMAIL_SUBJECT_MAX = 99;

export const ELLIPSIS = '…';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const CHUNK = 256;

/**
 * Grapheme clusters of `text`, lazily. Node 20's Segmenter iterates a long string in
 * quadratic time (1.3 s for 50k characters, measured here), so it is fed bounded chunks; the
 * last cluster of a chunk may continue past it, so each chunk resumes at that cluster's start.
 * Earlier boundaries in a chunk are exact: a break depends only on the code points next to it
 * (and on what precedes it), and chunks end on code point boundaries.
 */
export function* graphemesOf(text: string): Generator<string> {
  let pos = 0;
  let size = CHUNK;
  while (pos < text.length) {
    let end = Math.min(text.length, pos + size);
    // Never cut a surrogate pair: the lone half would also end the cluster before it early.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++;
    const chunk = text.slice(pos, end);
    let last: { segment: string; index: number } | undefined;
    let emitted = 0;
    for (const seg of segmenter.segment(chunk)) {
      if (last !== undefined) {
        yield last.segment;
        emitted++;
      }
      last = seg;
    }
    if (last === undefined) return;
    if (end === text.length) {
      yield last.segment;
      return;
    }
    if (emitted === 0) {
      // One cluster fills the whole chunk (e.g. stacked combining marks): look further.
      size *= 2;
      continue;
    }
    pos += last.index;
    size = CHUNK;
  }
}

/**
 * `text` cut to at most `max` code units including the ellipsis, at a grapheme boundary.
 * `encode` is what will be emitted for the text (e.g. escaping). It must work character by
 * character (encode(a + b) = encode(a) + encode(b)) and never shorten, so the limit holds for
 * the encoded form and no entity like `&amp;` is ever cut in half.
 */
export function truncate(
  text: string,
  max: number,
  encode: (text: string) => string = identity,
  ellipsis: string = ELLIPSIS,
): string {
  const whole = encode(text);
  if (whole.length <= max) return whole;
  const room = max - ellipsis.length;
  if (room <= 0) return max >= ellipsis.length ? ellipsis : '';
  let out = '';
  for (const grapheme of graphemesOf(text)) {
    const piece = encode(grapheme);
    if (out.length + piece.length > room) break;
    out += piece;
  }
  return out + ellipsis;
}

/**
 * Already-escaped mrkdwn cut to at most `max` code units including the ellipsis, never inside an
 * entity (`&amp;`, `&lt;`, `&gt;`), a link or mention (`<…>`) or a grapheme. For text assembled
 * from pieces that were escaped one by one (a section of several lines), where the cut cannot
 * be made before escaping.
 */
export function truncateMrkdwn(text: string, max: number, ellipsis: string = ELLIPSIS): string {
  if (text.length <= max) return text;
  const room = max - ellipsis.length;
  if (room <= 0) return max >= ellipsis.length ? ellipsis : '';
  let out = '';
  let last = 0;
  const atoms = /&(?:amp|lt|gt);|<[^<>\n]*>/g;
  const take = (piece: string): boolean => {
    if (out.length + piece.length > room) return false;
    out += piece;
    return true;
  };
  for (const match of text.matchAll(atoms)) {
    for (const grapheme of graphemesOf(text.slice(last, match.index))) {
      if (!take(grapheme)) return out + ellipsis;
    }
    if (!take(match[0])) return out + ellipsis;
    last = match.index + match[0].length;
  }
  for (const grapheme of graphemesOf(text.slice(last))) {
    if (!take(grapheme)) break;
  }
  return out + ellipsis;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes including `marker`, at a grapheme boundary. */
export function truncateUtf8(text: string, maxBytes: number, marker: string): string {
  if (utf8Length(text) <= maxBytes) return text;
  const room = maxBytes - utf8Length(marker);
  let bytes = 0;
  let out = '';
  for (const grapheme of graphemesOf(text)) {
    const size = utf8Length(grapheme);
    if (bytes + size > room) break;
    bytes += size;
    out += grapheme;
  }
  return out + marker;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function identity(s: string): string {
  return s;
}
