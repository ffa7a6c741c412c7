import { describe, expect, it } from 'vitest';
import { formatFilterError, makeError, type FilterErrorCode } from './errors';
import { parseFilter } from './parser';

interface Malformed {
  expression: string;
  code: FilterErrorCode;
  message: string;
  line?: number;
  column: number;
  token: string;
  suggestion?: string;
}

/** Each row: the first error's code, a message fragment, where it points, and the fix offered. */
const MALFORMED: Malformed[] = [
  {
    expression: 'rootcause.fault.exception { last and message = "Access Denied for account_id: 1234567890" ',
    code: 'unclosed',
    message: 'missing } to close the { at 1:27',
    column: 90,
    token: '',
    suggestion: '}',
  },
  {
    expression: 'annotaton.username = "alice"',
    code: 'unknown-keyword',
    message: 'unknown keyword "annotaton.username"',
    column: 1,
    token: 'annotaton.username',
    suggestion: 'annotation.username',
  },
  {
    expression: 'responsetim > 3',
    code: 'unknown-keyword',
    message: 'unknown keyword',
    column: 1,
    token: 'responsetim',
    suggestion: 'responsetime',
  },
  {
    expression: 'fault AND resposnetime > 3',
    code: 'unknown-keyword',
    message: 'unknown keyword',
    column: 11,
    token: 'resposnetime',
    suggestion: 'responsetime',
  },
  {
    expression: 'http.staus = 500',
    code: 'unknown-keyword',
    message: 'unknown',
    column: 1,
    token: 'http.staus',
    suggestion: 'http.status',
  },
  {
    expression: 'fault && error',
    code: 'unsupported-operator',
    message: 'use AND',
    column: 7,
    token: '&&',
    suggestion: 'AND',
  },
  {
    expression: 'fault || error',
    code: 'unsupported-operator',
    message: 'use OR',
    column: 7,
    token: '||',
    suggestion: 'OR',
  },
  {
    expression: 'http.status == 500',
    code: 'unsupported-operator',
    message: 'single "="',
    column: 13,
    token: '==',
    suggestion: '=',
  },
  {
    expression: 'http.status <> 500',
    code: 'unsupported-operator',
    message: '"!="',
    column: 13,
    token: '<>',
    suggestion: '!=',
  },
  {
    expression: 'annotation.username = "anon',
    code: 'unterminated-string',
    message: 'unterminated string',
    column: 23,
    token: '"anon',
    suggestion: '"anon"',
  },
  {
    expression: '(fault OR error',
    code: 'unclosed',
    message: 'missing ) to close the ( at 1:1',
    column: 16,
    token: '',
    suggestion: ')',
  },
  {
    expression: 'service("api") { fault',
    code: 'unclosed',
    message: 'missing } to close the { at 1:16',
    column: 23,
    token: '',
    suggestion: '}',
  },
  { expression: 'fault)', code: 'unexpected-token', message: 'no matching (', column: 6, token: ')' },
  {
    expression: 'fault AND',
    code: 'unexpected-end',
    message: 'expected an expression after AND',
    column: 10,
    token: '',
  },
  { expression: 'AND fault', code: 'unexpected-token', message: 'unexpected AND', column: 1, token: 'AND' },
  {
    expression: 'fault OR OR error',
    code: 'unexpected-token',
    message: 'expected an expression after OR',
    column: 10,
    token: 'OR',
  },
  {
    expression: 'responsetime >',
    code: 'missing-value',
    message: 'expected a value after >',
    column: 15,
    token: '',
  },
  {
    expression: 'responsetime > "3"',
    code: 'type-mismatch',
    message: 'compare it with a number',
    column: 16,
    token: '"3"',
    suggestion: '3',
  },
  {
    expression: 'http.url = 5',
    code: 'type-mismatch',
    message: 'quote the value',
    column: 12,
    token: '5',
    suggestion: '"5"',
  },
  {
    expression: 'fault = 1',
    code: 'type-mismatch',
    message: 'compare fault with true or false',
    column: 9,
    token: '1',
    suggestion: 'true',
  },
  {
    expression: 'fault > 1',
    code: 'operator-not-allowed',
    message: 'fault is a boolean keyword',
    column: 7,
    token: '>',
  },
  {
    expression: 'responsetime CONTAINS "3"',
    code: 'operator-not-allowed',
    message: 'responsetime is a number',
    column: 14,
    token: 'CONTAINS',
  },
  {
    expression: 'http.url > 3',
    code: 'operator-not-allowed',
    message: 'http.url is a string',
    column: 10,
    token: '>',
  },
  {
    expression: 'annotation.age > "29"',
    code: 'type-mismatch',
    message: '> compares numbers',
    column: 18,
    token: '"29"',
    suggestion: '29',
  },
  {
    expression: 'annotation.username CONTAINS 3',
    code: 'type-mismatch',
    message: 'CONTAINS compares strings',
    column: 30,
    token: '3',
    suggestion: '"3"',
  },
  {
    expression: 'annotation.username CONTAIN ""',
    code: 'unknown-operator',
    message: 'unknown operator "CONTAIN"',
    column: 21,
    token: 'CONTAIN',
    suggestion: 'CONTAINS',
  },
  {
    expression: 'http.url STARTSWITH "https://"',
    code: 'unknown-operator',
    message: 'unknown operator',
    column: 10,
    token: 'STARTSWITH',
    suggestion: 'BEGINSWITH',
  },
  {
    expression: "user = 'alice'",
    code: 'single-quotes',
    message: 'double quotes',
    column: 8,
    token: "'alice'",
    suggestion: '"alice"',
  },
  {
    expression: 'not fault',
    code: 'unknown-keyword',
    message: 'negates with "!"',
    column: 1,
    token: 'not',
    suggestion: '!',
  },
  {
    expression: 'annotation.username "alice"',
    code: 'missing-operator',
    message: 'missing operator between "annotation.username" and "alice"',
    column: 21,
    token: '"alice"',
    suggestion: '=',
  },
  {
    expression: 'duration',
    code: 'missing-operator',
    message: 'is a number keyword',
    column: 1,
    token: 'duration',
  },
  {
    expression: 'last',
    code: 'keyword-scope',
    message: 'not available at the trace level',
    column: 1,
    token: 'last',
  },
  {
    expression: 'service("api") { annotation.user = "x" }',
    code: 'keyword-scope',
    message: 'annotations cannot be used inside service(...) { }',
    column: 18,
    token: 'annotation.user',
  },
  {
    expression: 'rootcause.fault.entity { type = "x" }',
    code: 'keyword-scope',
    message: '"type" is not available inside rootcause.*.entity { }',
    column: 26,
    token: 'type',
  },
  {
    expression: 'rootcause.falt.entity { last }',
    code: 'unknown-keyword',
    message: 'root causes are rootcause.fault|error|responsetime',
    column: 1,
    token: 'rootcause.falt.entity',
    suggestion: 'rootcause.fault.entity',
  },
  {
    expression: 'rootcause.fault.entity',
    code: 'unexpected-token',
    message: 'needs a filter in braces',
    column: 23,
    token: '',
  },
  {
    expression: 'rootcause.responsetime.exception { name = "x" }',
    code: 'unsupported-construct',
    message: 'response-time root causes carry no exceptions',
    column: 1,
    token: 'rootcause.responsetime.exception',
  },
  {
    expression: 'service(api.example.com) { fault }',
    code: 'invalid-selector',
    message: 'quote the service name',
    column: 9,
    token: 'api.example.com',
    suggestion: '"api.example.com"',
  },
  {
    expression: 'service(id(nam: "x")) { fault }',
    code: 'invalid-selector',
    message: 'no parameter "nam"',
    column: 12,
    token: 'nam',
    suggestion: 'name',
  },
  {
    expression: 'edge("a") { error }',
    code: 'invalid-selector',
    message: 'edge needs two services',
    column: 9,
    token: ')',
  },
  {
    expression: 'service { fault }',
    code: 'unexpected-token',
    message: 'service needs parentheses',
    column: 9,
    token: '{',
  },
  { expression: 'service("a") { }', code: 'unexpected-token', message: 'empty { }', column: 16, token: '}' },
  {
    expression: 'fault AND ()',
    code: 'unexpected-token',
    message: 'empty parentheses',
    column: 12,
    token: ')',
  },
  {
    expression: 'rootcause.json = #[{"a": }]',
    code: 'invalid-json',
    message: 'invalid JSON',
    column: 19,
    token: '[',
  },
  {
    expression: 'rootcause.json = #[{"a": 1}',
    code: 'unterminated-json',
    message: 'needs a closing ]',
    column: 18,
    token: '#[{"a": 1}',
  },
  {
    expression: 'annotation. = "x"',
    code: 'invalid-annotation-key',
    message: 'annotation needs a key',
    column: 1,
    token: 'annotation.',
  },
  {
    expression: 'annotation.a.b = "x"',
    code: 'invalid-annotation-key',
    message: 'contains "."',
    column: 1,
    token: 'annotation.a.b',
    suggestion: 'annotation[a.b]',
  },
  {
    expression: 'annotation.user-name = "x"',
    code: 'invalid-annotation-key',
    message: 'dot form cannot hold',
    column: 1,
    token: 'annotation.user-name',
    suggestion: 'annotation[user-name]',
  },
  {
    expression: 'annotation[user = "x"',
    code: 'unterminated-bracket',
    message: 'closing ]',
    column: 1,
    token: 'annotation[user = "x"',
  },
  {
    expression: 'responsetime > .5',
    code: 'invalid-number',
    message: 'leading zero',
    column: 16,
    token: '.5',
    suggestion: '0.5',
  },
  {
    expression: 'responsetime > 3s',
    code: 'invalid-number',
    message: '"3s" is not a number',
    column: 16,
    token: '3s',
  },
  {
    expression: 'fault @ error',
    code: 'unexpected-character',
    message: 'unexpected character "@"',
    column: 7,
    token: '@',
  },
  {
    expression: '"anonymous" = annotation.username',
    code: 'unexpected-token',
    message: 'expected a keyword before the value',
    column: 1,
    token: '"anonymous"',
  },
  {
    expression: 'fault = true CONTAINS "x"',
    code: 'unexpected-token',
    message: 'unexpected CONTAINS',
    column: 14,
    token: 'CONTAINS',
  },
  { expression: '', code: 'unexpected-end', message: 'empty filter expression', column: 1, token: '' },
  {
    expression: 'fault AND\n  responsetim > 3',
    code: 'unknown-keyword',
    message: 'unknown keyword',
    line: 2,
    column: 3,
    token: 'responsetim',
    suggestion: 'responsetime',
  },
];

describe('parseFilter: malformed expressions', () => {
  it('has at least 25 malformed cases', () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(25);
  });

  it.each(MALFORMED)('$expression → $code at $column', (row) => {
    const result = parseFilter(row.expression);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [first] = result.errors;
    expect(first).toBeDefined();
    expect(first!.code).toBe(row.code);
    expect(first!.message).toContain(row.message);
    expect(first!.line).toBe(row.line ?? 1);
    expect(first!.column).toBe(row.column);
    expect(first!.token).toBe(row.token);
    expect(first!.suggestion).toBe(row.suggestion);
  });
});

describe('error reporting', () => {
  it('reports every recoverable mistake of one expression in one run, in source order', () => {
    const result = parseFilter('annotaton.username = "x" && responsetim > 3 OR http.status == "500"');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.column, e.suggestion])).toEqual([
      ['unknown-keyword', 1, 'annotation.username'],
      ['unsupported-operator', 26, 'AND'],
      ['unknown-keyword', 29, 'responsetime'],
      ['unsupported-operator', 60, '='],
      ['type-mismatch', 63, '500'],
    ]);
  });

  it('draws the caret under the token in the excerpt', () => {
    const result = parseFilter('fault AND responsetim > 3');
    if (result.ok) throw new Error('should not parse');
    expect(result.errors[0]!.excerpt).toBe('fault AND responsetim > 3\n          ^~~~~~~~~~~');
  });

  it('quotes only the offending line of a multi-line expression and keeps tabs aligned', () => {
    const result = parseFilter('fault AND\n\tresponsetim > 3\nOR error');
    if (result.ok) throw new Error('should not parse');
    expect(result.errors[0]).toMatchObject({ line: 2, column: 2 });
    expect(result.errors[0]!.excerpt).toBe('\tresponsetim > 3\n\t^~~~~~~~~~~');
  });

  it('formats an error as position, message, excerpt and suggestion', () => {
    const result = parseFilter('fault && error');
    if (result.ok) throw new Error('should not parse');
    expect(formatFilterError(result.errors[0]!)).toBe(
      ['1:7 X-Ray has no "&&": use AND', '    fault && error', '          ^~', '  did you mean: AND'].join(
        '\n',
      ),
    );
  });

  it('leaves the suggestion out when there is no obvious fix', () => {
    const error = makeError(
      'fault @',
      { start: 6, end: 7 },
      'unexpected-character',
      'unexpected character "@"',
    );
    expect(formatFilterError(error)).toBe('1:7 unexpected character "@"\n    fault @\n          ^');
    expect(error).not.toHaveProperty('suggestion');
  });

  it('does not guess after an unterminated string: one error, not a cascade', () => {
    const result = parseFilter('annotation.username = "anon AND (fault');
    if (result.ok) throw new Error('should not parse');
    expect(result.errors.map((e) => e.code)).toEqual(['unterminated-string']);
  });

  it('points a missing brace right after the last token, not at trailing blank lines', () => {
    const result = parseFilter('service("a") {\n  fault\n\n');
    if (result.ok) throw new Error('should not parse');
    expect(result.errors[0]).toMatchObject({ code: 'unclosed', line: 2, column: 8, token: '' });
    expect(result.errors[0]!.excerpt).toBe('  fault\n       ^');
  });

  it('points at the end of a line-terminated unterminated string on the right line', () => {
    const result = parseFilter('fault AND\nuser = "bob\nOR error');
    if (result.ok) throw new Error('should not parse');
    expect(result.errors[0]).toMatchObject({
      code: 'unterminated-string',
      line: 2,
      column: 8,
      token: '"bob',
    });
  });
});
