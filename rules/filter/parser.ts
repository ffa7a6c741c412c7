/**
 * Recursive-descent parser for X-Ray filter expressions (grammar in README.md).
 *
 * Two kinds of problems, handled differently so one run reports as many as it can:
 * - checks on a well-formed term (unknown keyword, keyword outside its scope, wrong value
 *   type, operator the keyword does not take) are recorded and parsing goes on;
 * - a token that does not fit the grammar stops the parse: what follows would be guesswork.
 */
import type {
  CompareNode,
  CompareOp,
  EdgeNode,
  ExprNode,
  FieldRef,
  FilterAst,
  JsonNode,
  Literal,
  RootCauseCategory,
  RootCauseNode,
  RootCauseTarget,
  Scope,
  ServiceNode,
  ServiceSelector,
  Span,
  TestNode,
} from './ast';
import { locate, makeError, type FilterErrorCode, type FilterSyntaxError } from './errors';
import { keywordsInScope, lookupKeyword, ROOT_CAUSE_KEYWORDS, SCOPE_LABEL, WORD_OPERATORS } from './keywords';
import { tokenize, type Token } from './lexer';
import { closest, suggestKeyword, suggestOperator } from './suggest';

export type ParseResult =
  | { ok: true; ast: FilterAst; warnings: FilterSyntaxError[] }
  | { ok: false; errors: FilterSyntaxError[]; warnings: FilterSyntaxError[] };

/**
 * Parses a filter expression. On success `warnings` lists accepted-but-doubtful spellings
 * (an unquoted value as in AWS's own `name = traces`); on failure `errors` lists every
 * problem found, in source order.
 */
export function parseFilter(source: string): ParseResult {
  const lexed = tokenize(source);
  const parser = new Parser(source, lexed.tokens);
  const errors = [...lexed.errors];
  if (!lexed.fatal) {
    const root = parser.parseFilter();
    errors.push(...parser.errors);
    if (root !== undefined && errors.length === 0) {
      return { ok: true, ast: { source, root }, warnings: parser.warnings };
    }
  }
  // Not empty here: a fatal lexer and an aborted parse both record why.
  return { ok: false, errors: dedupe(errors), warnings: parser.warnings };
}

function dedupe(errors: FilterSyntaxError[]): FilterSyntaxError[] {
  const seen = new Set<string>();
  return errors
    .sort((a, b) => a.offset - b.offset)
    .filter((e) => {
      const key = `${e.offset}:${e.code}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Unwinds the parser after a grammar error; the error itself is already recorded. */
class ParseAbort {}

const NUMERIC_OPS: ReadonlySet<CompareOp> = new Set(['=', '!=', '<', '<=', '>', '>=']);
const STRING_OPS: ReadonlySet<CompareOp> = new Set(['=', '!=', 'CONTAINS', 'BEGINSWITH', 'ENDSWITH']);
const EQUALITY_OPS: ReadonlySet<CompareOp> = new Set(['=', '!=']);
const ID_PARAMS = ['name', 'type', 'account.id'] as const;
const ROOT_CAUSE_SCOPE: Readonly<Record<RootCauseTarget, Scope>> = {
  entity: 'rootcause-entity',
  service: 'rootcause-service',
  exception: 'rootcause-exception',
};

class Parser {
  readonly errors: FilterSyntaxError[] = [];
  readonly warnings: FilterSyntaxError[] = [];
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseFilter(): ExprNode | undefined {
    try {
      const first = this.peek();
      if (first.kind === 'eof') {
        this.fail(first, 'unexpected-end', 'empty filter expression');
      }
      const root = this.parseOr('trace');
      const next = this.peek();
      if (next.kind !== 'eof') this.unexpectedAfterExpression(next, undefined);
      return root;
    } catch (err) {
      if (err instanceof ParseAbort) return undefined;
      throw err;
    }
  }

  // ---- token helpers -------------------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.pos++;
    return token;
  }

  private text(token: { span: Span }): string {
    return this.source.slice(token.span.start, token.span.end);
  }

  private describe(token: Token): string {
    if (token.kind === 'eof') return 'the end of the expression';
    return token.kind === 'string' ? this.text(token) : `"${this.text(token)}"`;
  }

  private record(span: Span, code: FilterErrorCode, message: string, suggestion?: string): void {
    this.errors.push(makeError(this.source, span, code, message, suggestion));
  }

  private warn(span: Span, code: FilterErrorCode, message: string, suggestion?: string): void {
    this.warnings.push(makeError(this.source, span, code, message, suggestion));
  }

  private fail(token: { span: Span }, code: FilterErrorCode, message: string, suggestion?: string): never {
    this.record(token.span, code, message, suggestion);
    throw new ParseAbort();
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === 'ident' && token.value.toUpperCase() === word;
  }

  private wordOperator(token: Token): CompareOp | undefined {
    if (token.kind !== 'ident') return undefined;
    const upper = token.value.toUpperCase();
    return (WORD_OPERATORS as readonly string[]).includes(upper) ? (upper as CompareOp) : undefined;
  }

  /** Whether `token` can begin a term, which is also what makes juxtaposition an implicit AND. */
  private startsTerm(token: Token): boolean {
    if (token.kind === 'bang' || token.kind === 'lparen' || token.kind === 'annotation-key') return true;
    if (token.kind !== 'ident') return false;
    return !this.isWord(token, 'AND') && !this.isWord(token, 'OR') && this.wordOperator(token) === undefined;
  }

  // ---- expressions ---------------------------------------------------------------------

  /** OR binds loosest: `a AND b OR c` is `(a AND b) OR c`. */
  private parseOr(scope: Scope): ExprNode {
    const operands = [this.parseAnd(scope)];
    while (this.isWord(this.peek(), 'OR')) {
      const or = this.next();
      this.requireTermAfter(or);
      operands.push(this.parseAnd(scope));
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands, span: spanOf(operands) };
  }

  /** Explicit AND and juxtaposition (`ok !partial duration <3`, AWS example 11) mean the same. */
  private parseAnd(scope: Scope): ExprNode {
    const operands = [this.parseUnary(scope)];
    for (;;) {
      const token = this.peek();
      if (this.isWord(token, 'AND')) {
        this.next();
        this.requireTermAfter(token);
        operands.push(this.parseUnary(scope));
      } else if (this.startsTerm(token)) {
        operands.push(this.parseUnary(scope));
      } else {
        break;
      }
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands, span: spanOf(operands) };
  }

  private requireTermAfter(operator: Token): void {
    const token = this.peek();
    if (this.startsTerm(token)) return;
    const word = this.text(operator);
    if (token.kind === 'eof') this.fail(token, 'unexpected-end', `expected an expression after ${word}`);
    this.fail(
      token,
      'unexpected-token',
      `expected an expression after ${word}, found ${this.describe(token)}`,
    );
  }

  private parseUnary(scope: Scope): ExprNode {
    const token = this.peek();
    if (token.kind === 'bang') {
      this.next();
      const after = this.peek();
      if (!this.startsTerm(after)) {
        this.fail(
          after,
          after.kind === 'eof' ? 'unexpected-end' : 'unexpected-token',
          'expected an expression after !',
        );
      }
      const operand = this.parseUnary(scope);
      return { type: 'not', operand, span: { start: token.span.start, end: operand.span.end } };
    }
    return this.parsePrimary(scope);
  }

  private parsePrimary(scope: Scope): ExprNode {
    const token = this.next();
    switch (token.kind) {
      case 'lparen':
        return this.parseParenthesised(token, scope);
      case 'annotation-key':
        this.checkAnnotationScope(token, scope);
        return this.parseTerm({ kind: 'annotation', key: token.key, form: 'bracket', span: token.span });
      case 'ident':
        return this.parseWord(token, scope);
      case 'eof':
        return this.fail(token, 'unexpected-end', 'expected an expression');
      case 'string':
      case 'number':
      case 'json':
        return this.fail(
          token,
          'unexpected-token',
          `expected a keyword before the value ${this.describe(token)}, e.g. annotation.username = "alice"`,
        );
      default:
        return this.fail(token, 'unexpected-token', `expected an expression, found ${this.describe(token)}`);
    }
  }

  private parseParenthesised(open: Token, scope: Scope): ExprNode {
    if (this.peek().kind === 'rparen') this.fail(this.peek(), 'unexpected-token', 'empty parentheses');
    const inner = this.parseOr(scope);
    this.expectClose(open, 'rparen', ')');
    return inner;
  }

  /** Consumes the closing `)`/`}` for `open`, or explains that it is missing. */
  private expectClose(open: Token, kind: 'rparen' | 'rbrace', char: string): Token {
    const token = this.peek();
    if (token.kind === kind) return this.next();
    const at = locate(this.source, open.span.start);
    const opened = `the ${this.text(open)} at ${at.line}:${at.column}`;
    if (token.kind === 'eof') {
      this.fail(token, 'unclosed', `missing ${char} to close ${opened}`, char);
    }
    this.unexpectedAfterExpression(token, `${char} to close ${opened}`);
  }

  private unexpectedAfterExpression(token: Token, expected: string | undefined): never {
    const wanted = expected ?? 'AND, OR or the end of the expression';
    if (token.kind === 'rparen' || token.kind === 'rbrace') {
      const opener = token.kind === 'rparen' ? '(' : '{';
      this.fail(token, 'unexpected-token', `unexpected ${this.text(token)}: no matching ${opener} before it`);
    }
    const op = this.wordOperator(token);
    if (op !== undefined) {
      this.fail(
        token,
        'unexpected-token',
        `unexpected ${op}: it needs a keyword on its left (expected ${wanted})`,
      );
    }
    this.fail(token, 'unexpected-token', `unexpected ${this.describe(token)}: expected ${wanted}`);
  }

  /** A word at the start of a term: a complex keyword, `annotation.KEY`, or a simple keyword. */
  private parseWord(token: Extract<Token, { kind: 'ident' }>, scope: Scope): ExprNode {
    const word = token.value;
    const lower = word.toLowerCase();
    if (lower === 'and' || lower === 'or') {
      this.fail(token, 'unexpected-token', `unexpected ${word}: expected an expression before it`);
    }
    if (lower === 'service') return this.parseService(token, scope);
    if (lower === 'edge') return this.parseEdge(token, scope);
    if (lower === 'json' || lower === 'rootcause.json') return this.parseJson(token, scope);
    if (lower.startsWith('rootcause.')) return this.parseRootCause(token, scope);
    if (lower === 'annotation' || lower.startsWith('annotation.')) {
      this.checkAnnotationScope(token, scope);
      return this.parseTerm(this.annotationField(token));
    }
    if (lower === 'not') {
      this.record(token.span, 'unknown-keyword', 'X-Ray negates with "!", not NOT', '!');
      const operand = this.parseUnary(scope);
      return { type: 'not', operand, span: { start: token.span.start, end: operand.span.end } };
    }
    if (lower === 'true' || lower === 'false') {
      this.fail(token, 'unexpected-token', `${word} needs a keyword to compare with, e.g. fault = ${lower}`);
    }
    const spec = lookupKeyword(word);
    if (spec === undefined) {
      this.record(token.span, 'unknown-keyword', `unknown keyword "${word}"`, suggestKeyword(word));
      // Keep parsing as if it were a keyword so later mistakes are reported in the same run.
      return this.parseTerm({ kind: 'annotation', key: word, form: 'dot', span: token.span });
    }
    if (spec.undocumented !== undefined) {
      this.warn(token.span, 'undocumented-keyword', spec.undocumented);
    }
    if (!spec.scopes.includes(scope)) {
      const where = spec.scopes.map((s) => SCOPE_LABEL[s]).join(' or ');
      const here = scope === 'trace' ? '' : ` (available here: ${keywordsInScope(scope).join(', ')})`;
      this.record(
        token.span,
        'keyword-scope',
        `"${word}" is not available ${SCOPE_LABEL[scope]}; use it ${where}${here}`,
      );
    }
    return this.parseTerm({
      kind: 'keyword',
      keyword: spec.keyword,
      valueType: spec.valueType,
      span: token.span,
    });
  }

  private annotationField(token: Extract<Token, { kind: 'ident' }>): FieldRef {
    const key = token.value.slice('annotation.'.length);
    if (token.value.length <= 'annotation.'.length) {
      this.record(
        token.span,
        'invalid-annotation-key',
        'annotation needs a key: annotation.KEY or annotation[KEY]',
      );
    } else if (key.includes('.')) {
      this.record(
        token.span,
        'invalid-annotation-key',
        `annotation key "${key}" contains ".": the dot form reads only letters, digits and _`,
        `annotation[${key}]`,
      );
    }
    return { kind: 'annotation', key, form: 'dot', span: token.span };
  }

  private checkAnnotationScope(token: Token, scope: Scope): void {
    if (scope === 'trace') return;
    this.record(
      token.span,
      'keyword-scope',
      `annotations cannot be used ${SCOPE_LABEL[scope]} (AWS: "You can't use this keyword in combination with` +
        ' the service or edge keyword"); move it outside the braces',
    );
  }

  // ---- keyword op value ----------------------------------------------------------------

  private parseTerm(field: FieldRef): ExprNode {
    const token = this.peek();
    let op: CompareOp | undefined;
    if (token.kind === 'op') op = token.op;
    else op = this.wordOperator(token);

    if (op === undefined && token.kind === 'ident') {
      const after = this.peek(1);
      const guess = suggestOperator(token.value);
      if (guess !== undefined && (after.kind === 'string' || after.kind === 'number')) {
        this.record(token.span, 'unknown-operator', `unknown operator "${token.value}"`, guess);
        this.next();
        this.next();
        return this.placeholder(field, after.span.end);
      }
    }
    if (op === undefined && (token.kind === 'string' || token.kind === 'number')) {
      this.record(
        token.span,
        'missing-operator',
        `missing operator between "${this.text(field)}" and ${this.describe(token)}`,
        '=',
      );
      this.next();
      return this.placeholder(field, token.span.end);
    }
    if (op === undefined) return this.bareKeyword(field);

    this.next();
    const value = this.parseValue(token);
    const span = { start: field.span.start, end: value.span.end };
    const node: CompareNode = { type: 'compare', field, op, opSpan: token.span, value, span };
    this.checkComparison(node);
    return node;
  }

  /** Stands in for a term that already has an error, so parsing can continue. */
  private placeholder(field: FieldRef, end: number): TestNode {
    return { type: 'test', field, span: { start: field.span.start, end } };
  }

  private bareKeyword(field: FieldRef): TestNode {
    if (field.kind === 'keyword' && field.valueType === 'number') {
      this.record(
        field.span,
        'missing-operator',
        `"${this.text(field)}" is a number keyword: compare it, e.g. ${this.text(field)} > 1`,
      );
    }
    return { type: 'test', field, span: field.span };
  }

  private parseValue(operator: Token): Literal {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return { type: 'string', value: token.value, quoted: true, span: token.span };
      case 'number':
        return { type: 'number', value: token.value, span: token.span };
      case 'ident': {
        const lower = token.value.toLowerCase();
        if (lower === 'true' || lower === 'false')
          return { type: 'boolean', value: lower === 'true', span: token.span };
        return { type: 'string', value: token.value, quoted: false, span: token.span };
      }
      default:
        return this.fail(
          token,
          token.kind === 'eof' ? 'missing-value' : 'unexpected-token',
          `expected a value after ${this.text(operator)}, found ${this.describe(token)}`,
        );
    }
  }

  /** Value-type and operator checks, from the keyword types AWS documents. */
  private checkComparison(node: CompareNode): void {
    const { field, op, value } = node;
    const name = this.text(field);
    if (value.type === 'string' && !value.quoted) {
      this.warn(
        value.span,
        'unquoted-value',
        'AWS: "Values must always be specified in quotation marks" (its own example name = traces does not)',
        `"${value.value}"`,
      );
    }
    const numericOnly = NUMERIC_OPS.has(op) && !EQUALITY_OPS.has(op);
    const stringOnly = STRING_OPS.has(op) && !EQUALITY_OPS.has(op);
    if (field.kind === 'annotation') {
      // An annotation holds a string, number or boolean, so the operator decides the type.
      if (numericOnly && value.type !== 'number') {
        this.typeMismatch(
          value,
          `${op} compares numbers: ${this.text(value)} is not a number`,
          numericFix(value),
        );
      } else if (stringOnly && value.type !== 'string') {
        this.typeMismatch(value, `${op} compares strings: quote the value`, `"${this.literalText(value)}"`);
      }
      return;
    }
    switch (field.valueType) {
      case 'boolean':
        if (!EQUALITY_OPS.has(op)) {
          this.operatorNotAllowed(
            node,
            `${name} is a boolean keyword: use ${name}, !${name} or ${name} = true`,
          );
        } else if (
          value.type === 'string' &&
          value.quoted &&
          (value.value === 'true' || value.value === 'false')
        ) {
          // AWS: "Compare the value of the keyword to the string true or false".
          node.value = { type: 'boolean', value: value.value === 'true', span: value.span };
        } else if (value.type !== 'boolean') {
          this.typeMismatch(value, `compare ${name} with true or false`, 'true');
        }
        return;
      case 'number':
        if (stringOnly) {
          this.operatorNotAllowed(
            node,
            `${op} works on strings; ${name} is a number (use =, !=, <, <=, >, >=)`,
          );
        } else if (value.type !== 'number') {
          this.typeMismatch(value, `${name} is a number: compare it with a number`, numericFix(value));
        }
        return;
      case 'string':
        if (numericOnly) {
          this.operatorNotAllowed(
            node,
            `${op} compares numbers; ${name} is a string (use =, !=, CONTAINS, BEGINSWITH or ENDSWITH)`,
          );
        } else if (value.type !== 'string') {
          this.typeMismatch(value, `${name} is a string: quote the value`, `"${this.literalText(value)}"`);
        }
        return;
    }
  }

  private literalText(value: Literal): string {
    return value.type === 'string' ? value.value : this.text(value);
  }

  private typeMismatch(value: Literal, message: string, suggestion?: string): void {
    this.record(value.span, 'type-mismatch', message, suggestion);
  }

  private operatorNotAllowed(node: CompareNode, message: string): void {
    this.record(node.opSpan, 'operator-not-allowed', message);
  }

  private previousEnd(): number {
    return this.tokens[this.pos - 1]!.span.end;
  }

  // ---- complex keywords ----------------------------------------------------------------

  private checkTraceLevel(token: Token, what: string, scope: Scope): void {
    if (scope !== 'trace') {
      this.record(token.span, 'keyword-scope', `${what} cannot be used ${SCOPE_LABEL[scope]}`);
    }
  }

  private parseService(token: Token, scope: Scope): ServiceNode {
    this.checkTraceLevel(token, 'service(...)', scope);
    const open = this.expectOpenParen(token, 'service("name") { filter }');
    const selector: ServiceSelector =
      this.peek().kind === 'rparen' ? { kind: 'any', span: open.span } : this.parseSelector();
    const close = this.expectClose(open, 'rparen', ')');
    const filter = this.peek().kind === 'lbrace' ? this.parseBraced('service') : undefined;
    const end = filter !== undefined ? this.previousEnd() : close.span.end;
    return filter !== undefined
      ? { type: 'service', selector, filter, span: { start: token.span.start, end } }
      : { type: 'service', selector, span: { start: token.span.start, end } };
  }

  private parseEdge(token: Token, scope: Scope): EdgeNode {
    this.checkTraceLevel(token, 'edge(...)', scope);
    const open = this.expectOpenParen(token, 'edge("source", "destination") { filter }');
    if (this.peek().kind === 'rparen') {
      this.fail(this.peek(), 'invalid-selector', 'edge needs two services: edge("source", "destination")');
    }
    const source = this.parseSelector();
    if (this.peek().kind !== 'comma') {
      this.fail(this.peek(), 'invalid-selector', 'edge needs two services: edge("source", "destination")');
    }
    this.next();
    const destination = this.parseSelector();
    const close = this.expectClose(open, 'rparen', ')');
    const filter = this.peek().kind === 'lbrace' ? this.parseBraced('edge') : undefined;
    const end = filter !== undefined ? this.previousEnd() : close.span.end;
    const span = { start: token.span.start, end };
    return filter !== undefined
      ? { type: 'edge', source, destination, filter, span }
      : { type: 'edge', source, destination, span };
  }

  private expectOpenParen(keyword: Token, example: string): Token {
    const token = this.peek();
    if (token.kind !== 'lparen') {
      this.fail(token, 'unexpected-token', `${this.text(keyword)} needs parentheses: ${example}`);
    }
    return this.next();
  }

  /** `"name"` or `id(name: "…", type: "…", account.id: "…")`. */
  private parseSelector(): ServiceSelector {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'name', name: token.value, span: token.span };
    if (token.kind === 'ident' && token.value.toLowerCase() === 'id' && this.peek().kind === 'lparen') {
      return this.parseIdSelector(token);
    }
    if (token.kind === 'ident') {
      this.record(token.span, 'invalid-selector', 'quote the service name', `"${token.value}"`);
      return { kind: 'name', name: token.value, span: token.span };
    }
    return this.fail(
      token,
      'invalid-selector',
      `expected a service name in quotes or id(name: "...", type: "..."), found ${this.describe(token)}`,
    );
  }

  private parseIdSelector(idToken: Token): ServiceSelector {
    const open = this.next();
    const selector: { name?: string; type?: string; accountId?: string } = {};
    if (this.peek().kind === 'rparen') {
      this.record(this.peek().span, 'invalid-selector', 'id() needs name:, type: or account.id:');
    }
    while (this.peek().kind !== 'rparen') {
      const param = this.next();
      if (param.kind !== 'ident') {
        this.fail(
          param,
          'invalid-selector',
          `expected name:, type: or account.id: in id(...), found ${this.describe(param)}`,
        );
      }
      const lower = param.value.toLowerCase();
      const known = (ID_PARAMS as readonly string[]).includes(lower);
      if (!known) {
        this.record(
          param.span,
          'invalid-selector',
          `id(...) has no parameter "${param.value}"`,
          closest(param.value, ID_PARAMS),
        );
      }
      if (this.peek().kind !== 'colon') {
        this.fail(this.peek(), 'unexpected-token', `expected ":" after ${param.value} in id(...)`, ':');
      }
      this.next();
      const value = this.next();
      let text: string;
      if (value.kind === 'string') text = value.value;
      else if (value.kind === 'ident') {
        this.record(value.span, 'invalid-selector', `quote the ${param.value}`, `"${value.value}"`);
        text = value.value;
      } else {
        return this.fail(
          value,
          'missing-value',
          `expected a quoted ${param.value} in id(...), found ${this.describe(value)}`,
        );
      }
      const slot = lower === 'account.id' ? 'accountId' : lower === 'type' ? 'type' : 'name';
      if (known && selector[slot] !== undefined) {
        this.record(param.span, 'invalid-selector', `${param.value} is given twice in id(...)`);
      }
      if (known) selector[slot] = text;
      if (this.peek().kind === 'comma') this.next();
      else if (this.peek().kind !== 'rparen') {
        this.fail(
          this.peek(),
          'unexpected-token',
          `expected "," or ")" in id(...), found ${this.describe(this.peek())}`,
        );
      }
    }
    const close = this.expectClose(open, 'rparen', ')');
    return { kind: 'id', ...selector, span: { start: idToken.span.start, end: close.span.end } };
  }

  private parseBraced(scope: Scope): ExprNode {
    const open = this.next();
    if (this.peek().kind === 'rbrace') {
      this.fail(this.peek(), 'unexpected-token', 'empty { }: put a filter inside the braces or drop them');
    }
    const inner = this.parseOr(scope);
    this.expectClose(open, 'rbrace', '}');
    return inner;
  }

  private parseRootCause(token: Extract<Token, { kind: 'ident' }>, scope: Scope): RootCauseNode {
    this.checkTraceLevel(token, token.value, scope);
    const [, category, target, ...rest] = token.value.toLowerCase().split('.');
    const validCategory = category === 'fault' || category === 'error' || category === 'responsetime';
    const validTarget = target === 'entity' || target === 'service' || target === 'exception';
    if (!validCategory || !validTarget || rest.length > 0) {
      this.fail(
        token,
        'unknown-keyword',
        `unknown keyword "${token.value}": root causes are rootcause.fault|error|responsetime.entity|service|exception`,
        closest(token.value, [...ROOT_CAUSE_KEYWORDS, 'rootcause.json']),
      );
    }
    if (category === 'responsetime' && target === 'exception') {
      this.record(
        token.span,
        'unsupported-construct',
        'response-time root causes carry no exceptions (the API has none on ResponseTimeRootCauseEntity);' +
          ' use rootcause.fault.exception or rootcause.error.exception',
      );
    }
    if (this.peek().kind !== 'lbrace') {
      this.fail(
        this.peek(),
        'unexpected-token',
        `${token.value} needs a filter in braces, e.g. ${token.value} { name = "x" }`,
      );
    }
    const filter = this.parseBraced(ROOT_CAUSE_SCOPE[target as RootCauseTarget]);
    return {
      type: 'rootcause',
      category: category as RootCauseCategory,
      target: target as RootCauseTarget,
      filter,
      span: { start: token.span.start, end: this.previousEnd() },
    };
  }

  private parseJson(token: Extract<Token, { kind: 'ident' }>, scope: Scope): JsonNode {
    this.checkTraceLevel(token, token.value, scope);
    const op = this.next();
    if (op.kind !== 'op' || (op.op !== '=' && op.op !== '!=')) {
      return this.fail(
        op,
        'unexpected-token',
        `${token.value} is compared with = or != to a JSON value: ${token.value} = #[...]`,
      );
    }
    const value = this.next();
    if (value.kind !== 'json') {
      return this.fail(
        value,
        'missing-value',
        `expected a JSON value #[ ... ] after ${op.op}, found ${this.describe(value)}`,
      );
    }
    return {
      type: 'json',
      keyword: token.value.toLowerCase() === 'json' ? 'json' : 'rootcause.json',
      op: op.op,
      value: value.value,
      span: { start: token.span.start, end: value.span.end },
    };
  }
}

function spanOf(nodes: readonly ExprNode[]): Span {
  return { start: nodes[0]!.span.start, end: nodes[nodes.length - 1]!.span.end };
}

function numericFix(value: Literal): string | undefined {
  if (value.type === 'string' && value.value.trim() !== '' && Number.isFinite(Number(value.value))) {
    return value.value.trim();
  }
  return undefined;
}
