/**
 * Tokenizer. It keeps going after most mistakes (an `&&` becomes an AND token plus an error) so
 * one run reports every problem; it stops only where the rest of the input cannot be
 * tokenized meaningfully (an unterminated string, bracket or JSON literal).
 */
import type { Span } from './ast';
import { makeError, type FilterSyntaxError } from './errors';

export type ComparisonSymbol = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Token =
  /** `value` is what the parser reads: the word, or `AND`/`OR` substituted for `&&`/`||`. */
  | { kind: 'ident'; value: string; span: Span }
  /** The whole of `annotation[KEY]`; `key` has any quotes removed. */
  | { kind: 'annotation-key'; key: string; span: Span }
  | { kind: 'string'; value: string; span: Span }
  | { kind: 'number'; value: number; span: Span }
  /** `#[…]`; `value` is undefined when the JSON did not parse (an error says why). */
  | { kind: 'json'; value: unknown; span: Span }
  | { kind: 'op'; op: ComparisonSymbol; span: Span }
  | { kind: 'bang' | 'lparen' | 'rparen' | 'lbrace' | 'rbrace' | 'comma' | 'colon' | 'eof'; span: Span };

export interface LexResult {
  tokens: Token[];
  errors: FilterSyntaxError[];
  /** True when tokenizing stopped early: parse errors after this point would be noise. */
  fatal: boolean;
}

type PunctuationKind = 'lparen' | 'rparen' | 'lbrace' | 'rbrace' | 'comma' | 'colon';

const PUNCTUATION: Readonly<Record<string, PunctuationKind>> = {
  '(': 'lparen',
  ')': 'rparen',
  '{': 'lbrace',
  '}': 'rbrace',
  ',': 'comma',
  ':': 'colon',
};

export function tokenize(source: string): LexResult {
  const tokens: Token[] = [];
  const errors: FilterSyntaxError[] = [];
  const error = (
    start: number,
    end: number,
    code: FilterSyntaxError['code'],
    message: string,
    fix?: string,
  ) => errors.push(makeError(source, { start, end }, code, message, fix));
  let i = 0;
  const n = source.length;

  while (i < n) {
    const c = source[i]!;
    const start = i;

    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }

    if (c === '"') {
      const str = readQuoted(source, i, '"');
      if (str === undefined) {
        const end = lineEnd(source, i);
        error(
          i,
          end,
          'unterminated-string',
          'unterminated string: add a closing "',
          `${source.slice(i, end).trimEnd()}"`,
        );
        return { tokens: finish(tokens, source), errors, fatal: true };
      }
      tokens.push({ kind: 'string', value: str.value, span: { start, end: str.end } });
      i = str.end;
      continue;
    }

    if (c === "'") {
      const str = readQuoted(source, i, "'");
      if (str === undefined) {
        error(
          i,
          lineEnd(source, i),
          'unterminated-string',
          'unterminated string: X-Ray strings use double quotes',
        );
        return { tokens: finish(tokens, source), errors, fatal: true };
      }
      error(
        i,
        str.end,
        'single-quotes',
        'X-Ray strings use double quotes',
        `"${str.value.replace(/["\\]/g, '\\$&')}"`,
      );
      tokens.push({ kind: 'string', value: str.value, span: { start, end: str.end } });
      i = str.end;
      continue;
    }

    if (isDigit(c) || ((c === '-' || c === '.') && isDigit(source[i + 1]))) {
      i = readNumber(source, i, tokens, error);
      continue;
    }

    if (isIdentStart(c)) {
      i = readIdentifier(source, i, tokens, error);
      if (i < 0) return { tokens: finish(tokens, source), errors, fatal: true };
      continue;
    }

    if (c === '#') {
      if (source[i + 1] !== '[') {
        error(i, i + 1, 'unexpected-character', 'unexpected "#": a JSON value is written #[ ... ]');
        i++;
        continue;
      }
      const end = scanJson(source, i + 1);
      if (end === undefined) {
        error(i, lineEnd(source, i), 'unterminated-json', 'unterminated JSON value: #[ needs a closing ]');
        return { tokens: finish(tokens, source), errors, fatal: true };
      }
      tokens.push({ kind: 'json', value: parseJson(source, i + 1, end, error), span: { start, end } });
      i = end;
      continue;
    }

    const two = source.slice(i, i + 2);
    const op = readOperator(two, c);
    if (op !== undefined) {
      if (op.fix !== undefined) error(i, i + op.length, 'unsupported-operator', op.message!, op.fix);
      if (op.word !== undefined)
        tokens.push({ kind: 'ident', value: op.word, span: { start, end: i + op.length } });
      else if (op.symbol === '!') tokens.push({ kind: 'bang', span: { start, end: i + 1 } });
      else tokens.push({ kind: 'op', op: op.symbol!, span: { start, end: i + op.length } });
      i += op.length;
      continue;
    }

    const punct = PUNCTUATION[c];
    if (punct !== undefined) {
      tokens.push({ kind: punct, span: { start, end: i + 1 } });
      i++;
      continue;
    }

    error(i, i + 1, 'unexpected-character', `unexpected character "${c}"`);
    i++;
  }
  return { tokens: finish(tokens, source), errors, fatal: false };
}

/** The end token sits right after the last visible character, so "missing }" points there. */
function finish(tokens: Token[], source: string): Token[] {
  const end = source.trimEnd().length;
  tokens.push({ kind: 'eof', span: { start: end, end } });
  return tokens;
}

interface OperatorLex {
  length: number;
  symbol?: ComparisonSymbol | '!';
  word?: string;
  message?: string;
  fix?: string;
}

/** Recognises X-Ray's operators and, with an error, the ones people bring from other languages. */
function readOperator(two: string, c: string): OperatorLex | undefined {
  switch (two) {
    case '&&':
      return { length: 2, word: 'AND', message: 'X-Ray has no "&&": use AND', fix: 'AND' };
    case '||':
      return { length: 2, word: 'OR', message: 'X-Ray has no "||": use OR', fix: 'OR' };
    case '==':
      return { length: 2, symbol: '=', message: 'X-Ray compares with a single "=", not "=="', fix: '=' };
    case '<>':
      return { length: 2, symbol: '!=', message: 'X-Ray writes "not equal" as "!="', fix: '!=' };
    case '=<':
      return { length: 2, symbol: '<=', message: 'write "<=", not "=<"', fix: '<=' };
    case '=>':
      return { length: 2, symbol: '>=', message: 'write ">=", not "=>"', fix: '>=' };
    case '!=':
      return { length: 2, symbol: '!=' };
    case '<=':
      return { length: 2, symbol: '<=' };
    case '>=':
      return { length: 2, symbol: '>=' };
  }
  switch (c) {
    case '&':
      return { length: 1, word: 'AND', message: 'X-Ray has no "&": use AND', fix: 'AND' };
    case '|':
      return { length: 1, word: 'OR', message: 'X-Ray has no "|": use OR', fix: 'OR' };
    case '=':
    case '<':
    case '>':
      return { length: 1, symbol: c };
    case '!':
      return { length: 1, symbol: '!' };
  }
  return undefined;
}

type ErrorSink = (
  start: number,
  end: number,
  code: FilterSyntaxError['code'],
  message: string,
  fix?: string,
) => void;

/** Reads a quoted string starting at `start`. `\"` and `\\` are escapes; other backslashes stay. */
function readQuoted(
  source: string,
  start: number,
  quote: string,
): { value: string; end: number } | undefined {
  let value = '';
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\n') return undefined;
    if (c === '\\' && (source[i + 1] === quote || source[i + 1] === '\\')) {
      value += source[i + 1];
      i++;
      continue;
    }
    if (c === quote) return { value, end: i + 1 };
    value += c;
  }
  return undefined;
}

function readNumber(source: string, start: number, tokens: Token[], error: ErrorSink): number {
  const match = /^-?(\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(start))!;
  let end = start + match[0].length;
  // `3s`, `2.5.1`, `5ms`: a number glued to more word characters is a typo, not two tokens.
  const glued = /^[A-Za-z0-9_.]+/.exec(source.slice(end));
  if (glued) {
    end += glued[0].length;
    error(start, end, 'invalid-number', `"${source.slice(start, end)}" is not a number`);
  } else if (match[1] === '') {
    const fixed = source.slice(start, end).replace('.', '0.');
    error(start, end, 'invalid-number', `write a leading zero: ${fixed}`, fixed);
  }
  tokens.push({
    kind: 'number',
    value: Number.parseFloat(source.slice(start, end)) || 0,
    span: { start, end },
  });
  return end;
}

/** Returns the next offset, or -1 when an unterminated `annotation[` makes the rest unreadable. */
function readIdentifier(source: string, start: number, tokens: Token[], error: ErrorSink): number {
  let i = start + 1;
  while (isIdentPart(source[i])) i++;
  while (source[i] === '.') {
    i++;
    while (isIdentPart(source[i])) i++;
  }
  const word = source.slice(start, i);
  const lower = word.toLowerCase();

  if (lower === 'annotation' && source[i] === '[') {
    const close = source.indexOf(']', i);
    const newline = source.indexOf('\n', i);
    if (close === -1 || (newline !== -1 && newline < close)) {
      error(
        start,
        lineEnd(source, start),
        'unterminated-bracket',
        'unterminated annotation[ : add a closing ]',
      );
      return -1;
    }
    let key = source.slice(i + 1, close).trim();
    if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
    if (key === '')
      error(start, close + 1, 'invalid-annotation-key', 'annotation[] needs a key inside the brackets');
    tokens.push({ kind: 'annotation-key', key, span: { start, end: close + 1 } });
    return close + 1;
  }

  // `annotation.user-name`: a key X-Ray cannot read in dot form; the bracket form takes it.
  if (
    lower.startsWith('annotation.') &&
    (source[i] === '-' || source[i] === ':') &&
    isIdentPart(source[i + 1])
  ) {
    let end = i;
    while (isIdentPart(source[end]) || source[end] === '-' || source[end] === ':' || source[end] === '.')
      end++;
    const key = source.slice(start + 'annotation.'.length, end);
    error(
      start,
      end,
      'invalid-annotation-key',
      `annotation key "${key}" has characters the dot form cannot hold`,
      `annotation[${key}]`,
    );
    tokens.push({ kind: 'annotation-key', key, span: { start, end } });
    return end;
  }

  tokens.push({ kind: 'ident', value: word, span: { start, end: i } });
  return i;
}

/** Finds the end (exclusive) of a JSON array starting at `open` (the `[`), honouring strings. */
function scanJson(source: string, open: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return c === ']' ? i + 1 : undefined;
    }
  }
  return undefined;
}

function parseJson(source: string, open: number, end: number, error: ErrorSink): unknown {
  const text = source.slice(open, end);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /position (\d+)/.exec(message);
    const offset = at ? Math.min(open + Number(at[1]), end - 1) : open;
    error(offset, offset + 1, 'invalid-json', `invalid JSON after #: ${message}`);
    return undefined;
  }
}

function lineEnd(source: string, from: number): number {
  const newline = source.indexOf('\n', from);
  return newline === -1 ? source.length : newline;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string | undefined): boolean {
  return c !== undefined && (isIdentStart(c) || isDigit(c));
}
