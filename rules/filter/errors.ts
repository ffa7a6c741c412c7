/**
 * Errors a person can act on: each one says where (1-based line and column, the token, a
 * caret under the source line) and, when the fix is obvious, what to write instead.
 */
import type { Span } from './ast';

export type FilterErrorCode =
  | 'unexpected-character'
  | 'unterminated-string'
  | 'unterminated-json'
  | 'unterminated-bracket'
  | 'invalid-json'
  | 'invalid-number'
  | 'single-quotes'
  | 'unsupported-operator'
  | 'unexpected-token'
  | 'unexpected-end'
  | 'missing-operator'
  | 'missing-value'
  | 'unclosed'
  | 'unknown-keyword'
  | 'unknown-operator'
  | 'keyword-scope'
  | 'type-mismatch'
  | 'operator-not-allowed'
  | 'invalid-annotation-key'
  | 'invalid-selector'
  | 'unsupported-construct'
  | 'unquoted-value'
  | 'undocumented-keyword';

export interface FilterSyntaxError {
  code: FilterErrorCode;
  message: string;
  /** 1-based line of the offending token. */
  line: number;
  /** 1-based column (UTF-16 code units) of the offending token. */
  column: number;
  /** 0-based offset into the source, for tools that prefer ranges. */
  offset: number;
  /** The offending text as written; empty at the end of input. */
  token: string;
  /** The source line, then a line with `^` under the column (and `~` under the rest of the token). */
  excerpt: string;
  /** What to write instead, when it is obvious: `AND`, `annotation.username`, `=`. */
  suggestion?: string;
}

/** 1-based line and column of an offset. */
export function locate(source: string, offset: number): { line: number; column: number } {
  const lineStart = offset === 0 ? 0 : source.lastIndexOf('\n', offset - 1) + 1;
  return { line: countNewlines(source, offset) + 1, column: offset - lineStart + 1 };
}

/** Builds a located error from a span of `source`. */
export function makeError(
  source: string,
  span: Span,
  code: FilterErrorCode,
  message: string,
  suggestion?: string,
): FilterSyntaxError {
  const { line, column } = locate(source, span.start);
  const lineStart = span.start - column + 1;
  const newline = source.indexOf('\n', span.start);
  const lineEnd = newline === -1 ? source.length : newline;
  const sourceLine = source.slice(lineStart, lineEnd).replace(/\r$/, '');
  // Keep tabs in the caret line so the caret stays under the token whatever the tab width.
  const pad = sourceLine.slice(0, column - 1).replace(/[^\t]/g, ' ');
  const tokenEnd = Math.min(span.end, lineEnd);
  const tail = '~'.repeat(Math.max(0, tokenEnd - span.start - 1));
  const error: FilterSyntaxError = {
    code,
    message,
    line,
    column,
    offset: span.start,
    token: source.slice(span.start, span.end),
    excerpt: `${sourceLine}\n${pad}^${tail}`,
  };
  if (suggestion !== undefined) error.suggestion = suggestion;
  return error;
}

function countNewlines(source: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (source.charCodeAt(i) === 10) n++;
  return n;
}

/** `line:column message`, the excerpt indented, then the suggestion if there is one. */
export function formatFilterError(err: FilterSyntaxError): string {
  const excerpt = err.excerpt
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  const hint = err.suggestion !== undefined ? `\n  did you mean: ${err.suggestion}` : '';
  return `${err.line}:${err.column} ${err.message}\n${excerpt}${hint}`;
}

/** Thrown by `compileFilter(source)` when the source does not parse. */
export class FilterParseError extends Error {
  constructor(
    readonly source: string,
    readonly errors: readonly FilterSyntaxError[],
  ) {
    super(`filter expression does not parse:\n${errors.map((e) => formatFilterError(e)).join('\n')}`);
    this.name = 'FilterParseError';
  }
}

/**
 * Thrown by a compiled filter when the outcome for a trace depends on something that cannot be
 * evaluated offline (e.g. `group.arn`, or `edge(...)` on a trace without edge data). Use the
 * compiled filter's `outcome(trace)` to get `undefined` instead of an exception.
 */
export class FilterUnknownError extends Error {
  constructor(
    readonly source: string,
    readonly traceId: string,
  ) {
    super(
      `filter "${source}" cannot be decided offline for trace ${traceId}: see explainCapabilities() / explainFilter()`,
    );
    this.name = 'FilterUnknownError';
  }
}
