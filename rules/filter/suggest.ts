/**
 * "Did you mean" suggestions. Distance is optimal string alignment (Levenshtein plus adjacent
 * transpositions), so `resposnetime` is one edit from `responsetime`, as a person sees it.
 */
import { COMPLEX_KEYWORDS, ROOT_CAUSE_KEYWORDS, SIMPLE_KEYWORDS, WORD_OPERATORS } from './keywords';

export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The closest candidate (case-insensitive), if it is close enough to be a typo: at most one
 * edit for short words, growing to a third of the word's length.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const limit = Math.max(1, Math.floor(lower.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Words other languages use for an X-Ray operator: a suggestion even though far in edits. */
const OPERATOR_ALIASES: Readonly<Record<string, string>> = {
  startswith: 'BEGINSWITH',
  starts_with: 'BEGINSWITH',
  begins_with: 'BEGINSWITH',
  ends_with: 'ENDSWITH',
  like: 'CONTAINS',
  includes: 'CONTAINS',
  in: 'CONTAINS',
};

export function suggestOperator(word: string): string | undefined {
  return OPERATOR_ALIASES[word.toLowerCase()] ?? closest(word, WORD_OPERATORS);
}

/**
 * A replacement for an unknown keyword, keeping what the user wrote after a recognisable
 * prefix: `annotaton.username` → `annotation.username`, `rootcause.falt.entity` →
 * `rootcause.fault.entity`, `responsetim` → `responsetime`.
 */
export function suggestKeyword(word: string): string | undefined {
  const dot = word.indexOf('.');
  if (dot > 0) {
    const head = word.slice(0, dot);
    if (head.toLowerCase() !== 'annotation' && closest(head, ['annotation']) !== undefined) {
      return `annotation${word.slice(dot)}`;
    }
  }
  return closest(word, [...SIMPLE_KEYWORDS, ...COMPLEX_KEYWORDS, ...ROOT_CAUSE_KEYWORDS]);
}
