/**
 * Untrusted text (usernames, alarm reasons, insight summaries, URLs) → safe Slack mrkdwn.
 *
 * Slack parses `&`, `<` and `>` as control characters: `<!channel>`, `<@U123>` and
 * `<http://x|y>` are mentions and links. Escaping them (`&` first, or the entities
 * themselves would be escaped again) makes such text render literally. `link_names` stays
 * off, so a bare `@channel` is plain text too. Links are only ever built by {@link slackLink}
 * from URLs that pass {@link safeHttpUrl}.
 */
import { safeHttpUrl } from './urls';

/** Longest URL turned into a link; keeps one link far below the 3,000-character section limit. */
export const LINK_URL_MAX = 1_000;

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Control characters (line breaks included), bidi marks and embedding/override/isolate
 * controls (U+061C, U+200E/F, U+202A–E, U+2066–9), and invisible characters: zero-width space,
 * non-joiner and joiner, word joiner and invisible operators, BOM, soft hyphen, Mongolian vowel
 * separator, combining grapheme joiner, Hangul fillers, tag characters. Line breaks in a username
 * would forge extra lines; an RLO would visually reorder what follows it (e.g. the fault count);
 * `ali\u200Bce` would read as `alice`. Each becomes U+FFFD, so the tampering stays visible.
 * Right-to-left *letters* are untouched, and so is a zero-width joiner inside an emoji sequence
 * (👩‍💻), where it is part of the character the user sees.
 */
// The combining grapheme joiner and the variation selector stand outside the character classes
// (alternatives of their own): inside one, a combining mark reads as joined to its neighbour.
const UNSAFE =
  /[\p{Cc}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u200B\u200C\u2060-\u2064\uFEFF\u00AD\u180E\u115F\u1160\u3164\uFFA0\u{E0000}-\u{E007F}]|\u034F|(?<!\p{Extended_Pictographic}(?:[\u{1F3FB}-\u{1F3FF}]|\uFE0F)?)\u200D|\u200D(?!\p{Extended_Pictographic})/gu;

/** One line of untrusted text: unsafe characters become U+FFFD so the tampering stays visible. */
export function cleanLine(text: string): string {
  return text.replace(UNSAFE, '\uFFFD');
}

/** Multi-line untrusted text: keeps `\n`, normalises `\r\n`, replaces other unsafe characters. */
export function cleanBlock(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(UNSAFE, '\uFFFD'))
    .join('\n');
}

/** An untrusted single-line value, ready for mrkdwn. */
export function slackLine(text: string): string {
  return escapeMrkdwn(cleanLine(text));
}

/**
 * `<url|label>` when `url` is a safe http(s) URL, else just the escaped label. The URL is
 * normalised (spaces, quotes and angle brackets percent-encoded), `|` is encoded so it cannot
 * end the URL part early, and `&` is entity-escaped as Slack asks.
 */
export function slackLink(url: string | undefined, label: string): string {
  const safe = safeHttpUrl(url);
  const text = slackLine(label);
  // A link cut by a length limit would be a broken link: over-long URLs are not linked at all.
  if (safe === undefined || safe.length > LINK_URL_MAX) return text;
  return `<${escapeMrkdwn(safe.replace(/\|/g, '%7C'))}|${text.replace(/\|/g, '¦')}>`;
}

/** Text for inside an inline code span: escaped, backticks swapped so they cannot end the span. */
export function slackCodeText(text: string): string {
  return slackLine(text).replace(/`/g, 'ˋ');
}

/** Inline code. */
export function slackCode(text: string): string {
  return `\`${slackCodeText(text)}\``;
}
