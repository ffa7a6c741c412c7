import { describe, expect, it } from 'vitest';
import type { ExprNode, FieldRef, Literal, ServiceSelector } from './ast';
import { parseFilter } from './parser';

/** A compact S-expression of the tree, so each row asserts the structure, not just "parses". */
function sexpr(node: ExprNode): string {
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${node.type} ${node.operands.map(sexpr).join(' ')})`;
    case 'not':
      return `(not ${sexpr(node.operand)})`;
    case 'test':
      return field(node.field);
    case 'compare':
      return `(${node.op} ${field(node.field)} ${literal(node.value)})`;
    case 'service':
      return `(service ${selector(node.selector)}${node.filter ? ` ${sexpr(node.filter)}` : ''})`;
    case 'edge':
      return `(edge ${selector(node.source)} ${selector(node.destination)}${node.filter ? ` ${sexpr(node.filter)}` : ''})`;
    case 'rootcause':
      return `(rootcause.${node.category}.${node.target} ${sexpr(node.filter)})`;
    case 'json':
      return `(${node.op} ${node.keyword} #json)`;
  }
}

function field(f: FieldRef): string {
  return f.kind === 'keyword' ? f.keyword : f.form === 'dot' ? `annotation.${f.key}` : `annotation[${f.key}]`;
}

function literal(v: Literal): string {
  if (v.type === 'string') return v.quoted ? JSON.stringify(v.value) : `bare:${v.value}`;
  return String(v.value);
}

function selector(s: ServiceSelector): string {
  if (s.kind === 'any') return '*';
  if (s.kind === 'name') return JSON.stringify(s.name);
  return `id(${[
    s.name && `name=${s.name}`,
    s.type && `type=${s.type}`,
    s.accountId && `account=${s.accountId}`,
  ]
    .filter(Boolean)
    .join(',')})`;
}

function tree(source: string): string {
  const result = parseFilter(source);
  if (!result.ok)
    throw new Error(`expected ${source} to parse: ${result.errors.map((e) => e.message).join('; ')}`);
  return sexpr(result.ast.root);
}

const GUIDE = 'AWS dev guide "Using filter expressions" (aws-events.md §4)';

/** Every documented example expression, verbatim, with where it comes from and its tree. */
const DOCUMENTED: Array<{ source: string; expression: string; tree: string }> = [
  { source: `${GUIDE} ex.1`, expression: 'responsetime > 5', tree: '(> responsetime 5)' },
  {
    source: `${GUIDE} ex.2`,
    expression: 'duration >= 5 AND duration <= 8',
    tree: '(and (>= duration 5) (<= duration 8))',
  },
  { source: `${GUIDE} ex.3`, expression: 'ok', tree: 'ok' },
  { source: `${GUIDE} ex.4`, expression: '!ok', tree: '(not ok)' },
  { source: `${GUIDE} ex.5`, expression: 'ok = false', tree: '(= ok false)' },
  {
    source: `${GUIDE} ex.6`,
    expression: 'rootcause.fault.entity { last and name = "deserialize" }',
    tree: '(rootcause.fault.entity (and last (= name "deserialize")))',
  },
  {
    source: `${GUIDE} ex.7`,
    expression: 'rootcause.responsetime.entity { remote and coverage > 0.7 and name = "traces" }',
    tree: '(rootcause.responsetime.entity (and remote (> coverage 0.7) (= name "traces")))',
  },
  {
    source: `${GUIDE} ex.8 (unquoted value: accepted with a warning)`,
    expression: 'rootcause.fault.service { inferred and name = traces and type = "AWS::DynamoDB" }',
    tree: '(rootcause.fault.service (and inferred (= name bare:traces) (= type "AWS::DynamoDB")))',
  },
  {
    source: `${GUIDE} ex.9`,
    expression: 'service("data-plane") {root = true and fault = true}',
    tree: '(service "data-plane" (and (= root true) (= fault true)))',
  },
  { source: `${GUIDE} ex.10`, expression: 'http.status != 200', tree: '(!= http.status 200)' },
  {
    source: `${GUIDE} ex.11 (implicit AND)`,
    expression: 'ok !partial duration <3',
    tree: '(and ok (not partial) (< duration 3))',
  },
  {
    source: `${GUIDE} ex.12`,
    expression: 'rootcause.fault.service { index > 5 }',
    tree: '(rootcause.fault.service (> index 5))',
  },
  {
    source: `${GUIDE} ex.13`,
    expression: 'rootcause.responsetime.entity { last and coverage > 0.8 }',
    tree: '(rootcause.responsetime.entity (and last (> coverage 0.8)))',
  },
  {
    source: `${GUIDE} ex.14`,
    expression: 'http.url CONTAINS "/api/game/"',
    tree: '(CONTAINS http.url "/api/game/")',
  },
  { source: `${GUIDE} ex.15`, expression: 'user CONTAINS ""', tree: '(CONTAINS user "")' },
  {
    source: `${GUIDE} ex.16`,
    expression: 'rootcause.fault.service { name = "Auth" }',
    tree: '(rootcause.fault.service (= name "Auth"))',
  },
  {
    source: `${GUIDE} ex.17`,
    expression: 'rootcause.responsetime.service { last and type = "AWS::DynamoDB" }',
    tree: '(rootcause.responsetime.service (and last (= type "AWS::DynamoDB")))',
  },
  // ex.18 is the documented typo (no closing brace): a malformed case in errors.test.ts.
  {
    source: `${GUIDE} ex.19`,
    expression: 'service("api.example.com") { fault }',
    tree: '(service "api.example.com" fault)',
  },
  { source: `${GUIDE} ex.20`, expression: 'service() { fault }', tree: '(service * fault)' },
  {
    source: `${GUIDE} ex.21`,
    expression: 'edge("api.example.com", "backend.example.com") { error }',
    tree: '(edge "api.example.com" "backend.example.com" error)',
  },
  {
    source: `${GUIDE} ex.22`,
    expression:
      'http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service("api.example.com")',
    tree: '(and (BEGINSWITH http.url "http://api.example.com/") (CONTAINS http.url "/v2/") (not (service "api.example.com")))',
  },
  {
    source: `${GUIDE} ex.23 (responseTime: keywords are case-insensitive)`,
    expression: 'http.url AND responseTime > 2',
    tree: '(and http.url (> responsetime 2))',
  },
  {
    source: `${GUIDE} ex.24`,
    expression: 'annotation.gameid = "817DL6VO"',
    tree: '(= annotation.gameid "817DL6VO")',
  },
  { source: `${GUIDE} ex.25`, expression: 'annotation.age', tree: 'annotation.age' },
  { source: `${GUIDE} ex.26`, expression: '!annotation.age', tree: '(not annotation.age)' },
  { source: `${GUIDE} ex.27`, expression: 'annotation.age > 29', tree: '(> annotation.age 29)' },
  {
    source: `${GUIDE} ex.28`,
    expression: 'group.name = "high_response_time" AND user = "alice"',
    tree: '(and (= group.name "high_response_time") (= user "alice"))',
  },
  {
    source: `${GUIDE} ex.29`,
    expression:
      'rootcause.json = #[{ "Services": [ { "Name": "GetWeatherData", "EntityPath": [{ "Name": "GetWeatherData" }, { "Name": "get_temperature" } ] }, { "Name": "GetTemperature", "EntityPath": [ { "Name": "GetTemperature" } ] } ] }]',
    tree: '(= rootcause.json #json)',
  },
  {
    source: `${GUIDE} ex.30`,
    expression: 'service("random-name") { error }',
    tree: '(service "random-name" error)',
  },
  {
    source: `${GUIDE} ex.31`,
    expression: 'service(id(name: "random-name", type: "AWS::Lambda::Function")) { error }',
    tree: '(service id(name=random-name,type=AWS::Lambda::Function) error)',
  },
  {
    source: `${GUIDE} ex.32`,
    expression: 'service(id(type: "AWS::Lambda::Function")) { error }',
    tree: '(service id(type=AWS::Lambda::Function) error)',
  },
  {
    source: 'X-Ray groups page, ex.33',
    expression: 'service("api.example.com") { fault = true OR responsetime >= 5 }',
    tree: '(service "api.example.com" (or (= fault true) (>= responsetime 5)))',
  },
  {
    source: 'API reference GetTraceSummaries, ex.34a',
    expression: 'service("api.example.com")',
    tree: '(service "api.example.com")',
  },
  {
    source: 'API reference GetTraceSummaries, ex.34b',
    expression: 'annotation.account = "12345"',
    tree: '(= annotation.account "12345")',
  },
  {
    source: 'CloudFormation AWS::XRay::Group example, ex.35',
    expression: 'duration > 10',
    tree: '(> duration 10)',
  },
  {
    source: 'AWS CLI get-groups example output, ex.36a',
    expression: 'service("example.com") {fault OR error}',
    tree: '(service "example.com" (or fault error))',
  },
  {
    source: 'AWS CLI get-groups example output, ex.36b',
    expression: 'responsetime > 2',
    tree: '(> responsetime 2)',
  },
  {
    source: 'older dev guide "Using Filter Expressions" (found via search)',
    expression:
      'service("api.example.com") { fault = true OR responsetime > 2.5 } AND annotation.account = "12345"',
    tree: '(and (service "api.example.com" (or (= fault true) (> responsetime 2.5))) (= annotation.account "12345"))',
  },
  {
    source: 'older dev guide "Using Filter Expressions" (found via search)',
    expression: 'edge("api.example.com", "backend.example.com") { fault = true }',
    tree: '(edge "api.example.com" "backend.example.com" (= fault true))',
  },
  {
    source: 'seed tutorial 001, RegisteredUsers group',
    expression: 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous"',
    tree: '(and (CONTAINS annotation.username "") (!= annotation.username "anonymous"))',
  },
  {
    source: 'seed tutorial 001, AnonymousUsers group',
    expression: 'Annotation.username = "anonymous"',
    tree: '(= annotation.username "anonymous")',
  },
  {
    source: 'seed tutorial 001, SlowRegisteredUsers group (lower-case "and")',
    expression: 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous" and responsetime > 3',
    tree: '(and (CONTAINS annotation.username "") (!= annotation.username "anonymous") (> responsetime 3))',
  },
  {
    source: 'rules/catalog registered-user-faults',
    expression: 'annotation.username CONTAINS "" AND annotation.username != "anonymous" AND fault',
    tree: '(and (CONTAINS annotation.username "") (!= annotation.username "anonymous") fault)',
  },
];

describe('parseFilter: every documented example', () => {
  it('covers all 36 examples of aws-events.md except the documented typo (ex.18)', () => {
    const numbered = new Set(DOCUMENTED.flatMap((d) => /ex\.(\d+)/.exec(d.source)?.[1] ?? []));
    expect([...numbered].map(Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 36 }, (_, i) => i + 1).filter((n) => n !== 18),
    );
  });

  it.each(DOCUMENTED)('$source: $expression', ({ expression, tree: expected }) => {
    expect(tree(expression)).toBe(expected);
  });

  it('parses the seed group expressions with the carriage return the tutorial says is needed', () => {
    expect(tree('Annotation.username = "anonymous"\n')).toBe('(= annotation.username "anonymous")');
    expect(tree('Annotation.username CONTAINS "" AND\r\n  Annotation.username != "anonymous"\n')).toBe(
      '(and (CONTAINS annotation.username "") (!= annotation.username "anonymous"))',
    );
  });
});

describe('parseFilter: precedence and case', () => {
  it.each([
    ['fault OR error AND throttle', '(or fault (and error throttle))'],
    ['fault AND error OR throttle', '(or (and fault error) throttle)'],
    ['(fault OR error) AND throttle', '(and (or fault error) throttle)'],
    ['ok fault OR error', '(or (and ok fault) error)'],
    ['!fault AND error', '(and (not fault) error)'],
    ['!(fault AND error)', '(not (and fault error))'],
    ['!!ok', '(not (not ok))'],
    ['!responsetime > 3', '(not (> responsetime 3))'],
    ['fault and error or throttle', '(or (and fault error) throttle)'],
    ['FAULT AnD Http.Status = 500', '(and fault (= http.status 500))'],
    [
      'http.url contains "x" OR http.url EndsWith "y"',
      '(or (CONTAINS http.url "x") (ENDSWITH http.url "y"))',
    ],
    ['annotation[aws.lambda.name] = "cart"', '(= annotation[aws.lambda.name] "cart")'],
    ['annotation["user name"] = "x"', '(= annotation[user name] "x")'],
    ['annotation.generated_cart = true', '(= annotation.generated_cart true)'],
    ['annotation.flag = "true"', '(= annotation.flag "true")'],
    ['fault = "true"', '(= fault true)'],
    ['responsetime >= -1.5e1', '(>= responsetime -15)'],
    [
      'edge(id(name: "a"), id(name: "b", account.id: "123")) { responsetime > 1 }',
      '(edge id(name=a) id(name=b,account=123) (> responsetime 1))',
    ],
    [
      'rootcause.error.exception { message CONTAINS "timeout" }',
      '(rootcause.error.exception (CONTAINS message "timeout"))',
    ],
    ['json = #[{"a": 1}]', '(= json #json)'],
    [
      'group.arn != "arn:aws:xray:us-east-1:123:group/x/y"',
      '(!= group.arn "arn:aws:xray:us-east-1:123:group/x/y")',
    ],
    ['user = "a\\"b"', '(= user "a\\"b")'],
  ])('%s → %s', (expression, expected) => {
    expect(tree(expression)).toBe(expected);
  });

  it('keeps the key of annotation.KEY as written (keys are case-sensitive)', () => {
    expect(tree('ANNOTATION.UserName = "x"')).toBe('(= annotation.UserName "x")');
  });

  it('records spans that quote the source as written', () => {
    const result = parseFilter('Annotation.username CONTAINS "" AND fault');
    if (!result.ok) throw new Error('should parse');
    const root = result.ast.root;
    expect(root.type).toBe('and');
    if (root.type !== 'and') return;
    const first = root.operands[0]!;
    expect(result.ast.source.slice(first.span.start, first.span.end)).toBe('Annotation.username CONTAINS ""');
  });
});

describe('parseFilter: warnings', () => {
  it('accepts an unquoted string value, as AWS example 8 does, with a warning and a fix', () => {
    const result = parseFilter('rootcause.fault.service { name = traces }');
    expect(result.ok).toBe(true);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({
      code: 'unquoted-value',
      column: 34,
      token: 'traces',
      suggestion: '"traces"',
    });
  });

  it('warns that "id" as a trace-id keyword is not in AWS\'s list', () => {
    const result = parseFilter('id = "1-59602603-23fc5b688855d396af79b496"');
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.code)).toEqual(['undocumented-keyword']);
  });

  it('has no warnings for the shipped rules', () => {
    const result = parseFilter('Annotation.username CONTAINS "" AND Annotation.username != "anonymous"');
    expect(result.warnings).toEqual([]);
  });
});
