import { describe, expect, it } from 'vitest';
import { tokenize, type Token } from './lexer';

const kinds = (source: string) => tokenize(source).tokens.map((t) => t.kind);

describe('tokenize', () => {
  it('reads dotted keywords, operators and punctuation', () => {
    expect(kinds('service(id(name: "a")) { http.status >= 500 }')).toEqual([
      'ident',
      'lparen',
      'ident',
      'lparen',
      'ident',
      'colon',
      'string',
      'rparen',
      'rparen',
      'lbrace',
      'ident',
      'op',
      'number',
      'rbrace',
      'eof',
    ]);
  });

  it('reads escaped quotes and backslashes in strings, and keeps other backslashes', () => {
    const [token] = tokenize('"say \\"hi\\" \\\\ C:\\dir"').tokens;
    expect(token).toMatchObject({ kind: 'string', value: 'say "hi" \\ C:\\dir' });
  });

  it('reads negative and fractional numbers', () => {
    const values = tokenize('-1 0.75 2e3').tokens.flatMap((t) => (t.kind === 'number' ? [t.value] : []));
    expect(values).toEqual([-1, 0.75, 2000]);
  });

  it('reads annotation[KEY] as one token, with or without quotes', () => {
    const tokens = tokenize('annotation[a.b-c] annotation["x y"]').tokens;
    expect(tokens.slice(0, 2).map((t) => (t.kind === 'annotation-key' ? t.key : t.kind))).toEqual([
      'a.b-c',
      'x y',
    ]);
  });

  it('reads a JSON literal with brackets inside strings', () => {
    const [, , json] = tokenize('rootcause.json = #[{"Name": "a]b"}]').tokens;
    expect(json).toMatchObject({ kind: 'json', value: [{ Name: 'a]b' }] });
  });

  it('keeps going after a recoverable mistake, substituting the intended token', () => {
    const result = tokenize('fault && error');
    expect(result.fatal).toBe(false);
    expect(result.errors).toHaveLength(1);
    const and = result.tokens[1] as Extract<Token, { kind: 'ident' }>;
    expect(and.value).toBe('AND');
  });

  it('stops at an unterminated string', () => {
    const result = tokenize('user = "bob AND fault');
    expect(result.fatal).toBe(true);
    expect(result.tokens.map((t) => t.kind)).toEqual(['ident', 'op', 'eof']);
  });

  it('tracks spans across lines', () => {
    const [, second] = tokenize('fault\n  error').tokens;
    expect(second?.span).toEqual({ start: 8, end: 13 });
  });
});
