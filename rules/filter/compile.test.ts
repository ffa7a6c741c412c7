import { describe, expect, it } from 'vitest';
import { compileFilter } from './compile';
import { FilterParseError, FilterUnknownError } from './errors';
import { explainFilter } from './explain';
import { parseFilter } from './parser';
import { traceFromInput, type Trace, type TraceInput } from './trace';

const trace = (input: TraceInput, id = 'test-trace'): Trace => traceFromInput(input, id);

const REGISTERED = 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous"';
const ANONYMOUS = 'Annotation.username = "anonymous"';
const SLOW_REGISTERED =
  'Annotation.username CONTAINS "" AND Annotation.username != "anonymous" and responsetime > 3';

describe('compileFilter: the seed group expressions', () => {
  const cases: Array<[string, TraceInput, [registered: boolean, anonymous: boolean, slow: boolean]]> = [
    ['registered user', { responseTime: 1, annotations: { username: 'alice' } }, [true, false, false]],
    ['anonymous user', { responseTime: 1, annotations: { username: 'anonymous' } }, [false, true, false]],
    [
      'annotation absent (function threw before closing its subsegment)',
      { responseTime: 9, fault: true },
      [false, false, false],
    ],
    [
      'other annotations present, username absent',
      { annotations: { ColdStart: true } },
      [false, false, false],
    ],
    ['username is a number', { responseTime: 5, annotations: { username: 42 } }, [false, false, false]],
    ['username is a boolean', { annotations: { username: false } }, [false, false, false]],
    ['key spelled Username', { annotations: { Username: 'alice' } }, [false, false, false]],
    ['value Anonymous (case differs)', { annotations: { username: 'Anonymous' } }, [true, false, false]],
    ['slow registered', { responseTime: 3.5, annotations: { username: 'alice' } }, [true, false, true]],
    ['responsetime exactly 3', { responseTime: 3, annotations: { username: 'alice' } }, [true, false, false]],
    ['responsetime absent', { annotations: { username: 'alice' } }, [true, false, false]],
    ['slow anonymous', { responseTime: 10, annotations: { username: 'anonymous' } }, [false, true, false]],
    ['empty username', { annotations: { username: '' } }, [true, false, false]],
  ];

  it.each(cases)('%s', (_name, input, [registered, anonymous, slow]) => {
    const t = trace(input);
    expect(compileFilter(REGISTERED)(t)).toBe(registered);
    expect(compileFilter(ANONYMOUS)(t)).toBe(anonymous);
    expect(compileFilter(SLOW_REGISTERED)(t)).toBe(slow);
  });
});

describe('compileFilter: annotations', () => {
  it('matches when ANY value in any segment matches', () => {
    const t = trace({ annotations: { username: ['anonymous', 'alice'] } });
    expect(compileFilter(ANONYMOUS)(t)).toBe(true);
    expect(compileFilter(REGISTERED)(t)).toBe(true);
    expect(compileFilter('annotation.username = "bob"')(t)).toBe(false);
  });

  it('treats != as "some value differs", so an absent annotation never satisfies it', () => {
    expect(compileFilter('annotation.username != "anonymous"')(trace({}))).toBe(false);
    expect(
      compileFilter('annotation.username != "anonymous"')(trace({ annotations: { username: 'anonymous' } })),
    ).toBe(false);
    expect(compileFilter('!annotation.username = "anonymous"')(trace({}))).toBe(true);
  });

  it('tests presence with the bare key and absence with !', () => {
    expect(compileFilter('annotation.age')(trace({ annotations: { age: 30 } }))).toBe(true);
    expect(compileFilter('annotation.age')(trace({}))).toBe(false);
    expect(compileFilter('!annotation.age')(trace({}))).toBe(true);
    expect(compileFilter('annotation.age')(trace({ annotations: { age: [] } }))).toBe(false);
  });

  it('compares numbers with numbers only', () => {
    const t = trace({ annotations: { age: 30, code: '30' } });
    expect(compileFilter('annotation.age > 29')(t)).toBe(true);
    expect(compileFilter('annotation.age = 30')(t)).toBe(true);
    expect(compileFilter('annotation.age = "30"')(t)).toBe(false);
    expect(compileFilter('annotation.code = 30')(t)).toBe(false);
    expect(compileFilter('annotation.code > 29')(t)).toBe(false);
  });

  it('compares booleans with true / false only', () => {
    const t = trace({ annotations: { generated_cart: true, flag: 'true' } });
    expect(compileFilter('annotation.generated_cart = true')(t)).toBe(true);
    expect(compileFilter('annotation.generated_cart != false')(t)).toBe(true);
    expect(compileFilter('annotation.generated_cart = "true"')(t)).toBe(false);
    expect(compileFilter('annotation.flag = true')(t)).toBe(false);
    expect(compileFilter('annotation.flag = "true"')(t)).toBe(true);
  });

  it('reads bracket keys that the dot form cannot hold', () => {
    const t = trace({ annotations: { 'aws.lambda.name': 'cart' } });
    expect(compileFilter('annotation[aws.lambda.name] = "cart"')(t)).toBe(true);
  });

  it('does not mistake inherited object keys for annotations', () => {
    const t = trace({});
    expect(compileFilter('annotation.constructor')(t)).toBe(false);
    expect(compileFilter('annotation.toString CONTAINS ""')(t)).toBe(false);
  });

  it('uses the whole key for lookups: keyword case is free, key case is not', () => {
    const t = trace({ annotations: { username: 'alice' } });
    expect(compileFilter('ANNOTATION.username = "alice"')(t)).toBe(true);
    expect(compileFilter('annotation.USERNAME = "alice"')(t)).toBe(false);
  });
});

describe('compileFilter: trace-level keywords', () => {
  const t = trace({
    responseTime: 2.5,
    duration: 4,
    fault: true,
    http: {
      status: 502,
      url: 'https://shop.example.com/api/cart',
      method: 'GET',
      userAgent: 'Mozilla/5.0',
      clientIp: '10.0.0.1',
    },
    users: ['alice', 'bob'],
    availabilityZones: 'us-east-1a',
  });

  it.each([
    ['fault', true],
    ['FAULT', true],
    ['!fault', false],
    ['fault = false', false],
    ['fault != false', true],
    ['error', false],
    ['ok', false],
    ['!ok', true],
    ['responsetime > 2', true],
    ['responsetime >= 2.5', true],
    ['responsetime < 2.5', false],
    ['duration <= 4', true],
    ['http.status = 502', true],
    ['http.status != 200', true],
    ['http.url CONTAINS "/api/"', true],
    ['http.url BEGINSWITH "https://shop"', true],
    ['http.url ENDSWITH "/CART"', false],
    ['http.method = "GET"', true],
    ['http.method = "get"', false],
    ['http.useragent CONTAINS "Mozilla"', true],
    ['http.clientip = "10.0.0.1"', true],
    ['http.url', true],
    ['user = "bob"', true],
    ['user CONTAINS ""', true],
    ['user = "carol"', false],
    ['availabilityzone = "us-east-1a"', true],
    ['instance.id CONTAINS ""', false],
    ['fault OR error AND ok', true],
    ['(fault OR error) AND ok', false],
    ['ok !partial duration <3', false],
    ['!responsetime > 3', true],
  ])('%s → %s', (expression, expected) => {
    expect(compileFilter(expression)(t)).toBe(expected);
  });

  it('derives ok from the error flags and sees a quiet trace as ok', () => {
    expect(compileFilter('ok')(trace({}))).toBe(true);
    expect(compileFilter('ok')(trace({ error: true }))).toBe(false);
    expect(compileFilter('ok')(trace({ throttle: true }))).toBe(false);
  });

  it('finds no value for an absent http field or user', () => {
    const quiet = trace({});
    expect(compileFilter('http.status != 200')(quiet)).toBe(false);
    expect(compileFilter('http.url')(quiet)).toBe(false);
    expect(compileFilter('user CONTAINS ""')(quiet)).toBe(false);
  });
});

describe('compileFilter: service()', () => {
  const t = trace({
    services: [
      { name: 'api.example.com', root: true, fault: false, error: false, throttle: false, responseTime: 0.2 },
      {
        name: 'cart',
        names: ['cart-fn'],
        type: 'AWS::Lambda::Function',
        root: false,
        fault: true,
        error: false,
        throttle: false,
        responseTime: 6,
      },
      { name: 'cart-table', type: 'AWS::DynamoDB::Table', error: true },
    ],
  });

  it.each([
    ['service("api.example.com")', true],
    ['service("nowhere")', false],
    ['!service("nowhere")', true],
    ['service("cart") { fault }', true],
    ['service("api.example.com") { fault }', false],
    ['service("cart-fn") { fault }', true],
    ['service() { fault }', true],
    ['service() { responsetime > 5 }', true],
    ['service("api.example.com") { root = true and fault = false }', true],
    ['service("cart") { root }', false],
    ['service(id(type: "AWS::Lambda::Function")) { fault }', true],
    ['service(id(name: "cart", type: "AWS::DynamoDB::Table")) { fault }', false],
    ['service("api.example.com") { ok }', true],
    ['service("api.example.com") { fault = true OR responsetime >= 5 }', false],
    ['service("cart") { fault = true OR responsetime >= 5 }', true],
  ])('%s → %s', (expression, expected) => {
    expect(compileFilter(expression)(t)).toBe(expected);
  });

  it('is unknown, not false, when the service flags were not recorded (a summary)', () => {
    const fromSummary = trace({ services: [{ name: 'cart' }] });
    const filter = compileFilter('service("cart") { fault }');
    expect(filter.outcome(fromSummary)).toBeUndefined();
    expect(() => filter(fromSummary)).toThrow(FilterUnknownError);
    expect(compileFilter('service("cart")')(fromSummary)).toBe(true);
  });

  it('is false when no service matches, even without flags', () => {
    const fromSummary = trace({ services: [{ name: 'cart' }] });
    expect(compileFilter('service("api") { fault }').outcome(fromSummary)).toBe(false);
  });
});

describe('compileFilter: edge() and rootcause', () => {
  it('evaluates edge() when the trace carries edges, and is unknown when it does not', () => {
    const filter = compileFilter('edge("api.example.com", "backend.example.com") { error }');
    const withEdges = trace({
      edges: [
        {
          source: 'api.example.com',
          destination: 'backend.example.com',
          error: true,
          fault: false,
          throttle: false,
        },
      ],
    });
    expect(filter(withEdges)).toBe(true);
    expect(filter(trace({ edges: [] }))).toBe(false);
    expect(filter.outcome(trace({}))).toBeUndefined();
  });

  const withCauses = trace({
    rootCauses: {
      fault: [
        {
          services: [
            { name: 'api', entityPath: [{ name: 'api', exceptions: [] }] },
            {
              name: 'traces',
              type: 'AWS::DynamoDB',
              inferred: true,
              entityPath: [
                { name: 'traces', exceptions: [] },
                {
                  name: 'deserialize',
                  remote: true,
                  exceptions: [{ name: 'Err', message: 'Access Denied for account_id: 1234567890' }],
                },
              ],
            },
          ],
        },
      ],
      responseTime: [
        {
          services: [
            { name: 'slow', entityPath: [{ name: 'traces', remote: true, coverage: 0.9, exceptions: [] }] },
          ],
        },
      ],
    },
  });

  it.each([
    ['rootcause.fault.entity { last and name = "deserialize" }', true],
    ['rootcause.fault.entity { first and name = "deserialize" }', false],
    ['rootcause.fault.service { inferred and name = traces and type = "AWS::DynamoDB" }', true],
    ['rootcause.fault.service { name = "Auth" }', false],
    ['rootcause.fault.service { last and name = "traces" }', true],
    ['rootcause.fault.exception { message CONTAINS "Access Denied" }', true],
    ['rootcause.responsetime.entity { remote and coverage > 0.7 and name = "traces" }', true],
    ['rootcause.responsetime.entity { coverage > 0.95 }', false],
    ['rootcause.error.service { name CONTAINS "" }', false],
  ])('%s → %s', (expression, expected) => {
    expect(compileFilter(expression)(withCauses)).toBe(expected);
  });

  it('is unknown when the trace has no root-cause data', () => {
    expect(compileFilter('rootcause.fault.service { name = "Auth" }').outcome(trace({}))).toBeUndefined();
  });
});

describe('compileFilter: what cannot be decided offline', () => {
  it('lists unevaluable and data-dependent clauses with their position', () => {
    const { capabilities } = compileFilter(
      'group.name = "slow" OR rootcause.json = #[{"Services": []}] OR service("x") { fault } OR rootcause.fault.service { index > 5 }',
    );
    expect(capabilities.offline).toBe(false);
    expect(capabilities.unevaluable.map((n) => [n.text, n.column])).toEqual([
      ['group.name = "slow"', 1],
      ['rootcause.json = #[{"Services": []}]', 24],
      ['index > 5', 116],
    ]);
    expect(capabilities.unevaluable[0]!.reason).toContain('group membership');
    expect(capabilities.needsData.map((n) => n.text)).toEqual([
      'fault',
      'rootcause.fault.service { index > 5 }',
    ]);
  });

  it('reports the shipped rules as fully evaluable offline', () => {
    for (const expression of [REGISTERED, ANONYMOUS, SLOW_REGISTERED]) {
      const { capabilities } = compileFilter(expression);
      expect(capabilities).toEqual({ offline: true, unevaluable: [], needsData: [] });
    }
  });

  it('throws FilterUnknownError only when the answer depends on the unknown part', () => {
    const filter = compileFilter('fault AND group.arn = "arn:aws:xray:us-east-1:1:group/g/x"');
    expect(filter(trace({ fault: false }))).toBe(false);
    expect(() => filter(trace({ fault: true }))).toThrow(FilterUnknownError);
    expect(filter.outcome(trace({ fault: true }))).toBeUndefined();
    const either = compileFilter('fault OR group.name = "x"');
    expect(either(trace({ fault: true }))).toBe(true);
    expect(either.outcome(trace({}))).toBeUndefined();
    expect(compileFilter('!group.name = "x"').outcome(trace({}))).toBeUndefined();
  });

  it('names the filter and the trace in the unknown error', () => {
    const filter = compileFilter('json = #[1]');
    expect(() => filter(trace({}, '1-abc'))).toThrow(/json = #\[1\].*1-abc/);
  });
});

describe('compileFilter: inputs', () => {
  it('accepts a parsed AST as well as source text', () => {
    const parsed = parseFilter('fault');
    if (!parsed.ok) throw new Error('should parse');
    expect(compileFilter(parsed.ast)(trace({ fault: true }))).toBe(true);
    expect(compileFilter(parsed.ast).source).toBe('fault');
  });

  it('throws FilterParseError with every error for bad source', () => {
    try {
      compileFilter('faulty && responsetim > 3');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FilterParseError);
      expect((err as FilterParseError).errors.map((e) => e.code)).toEqual([
        'unknown-keyword',
        'unsupported-operator',
        'unknown-keyword',
      ]);
      expect((err as FilterParseError).message).toContain('did you mean: responsetime');
    }
  });
});

describe('explainFilter agrees with the compiled filter', () => {
  const expressions = [
    REGISTERED,
    ANONYMOUS,
    SLOW_REGISTERED,
    'fault OR error AND !ok',
    'service("cart") { fault OR responsetime > 1 } AND annotation.username',
    'edge("a", "b") { error } OR fault',
    'rootcause.fault.entity { last and name = "x" } OR group.name = "g"',
    '!(annotation.age > 3 OR annotation.age = "3")',
  ];
  const traces: TraceInput[] = [
    {},
    { fault: true, annotations: { username: 'alice', age: 4 } },
    { responseTime: 3.2, annotations: { username: ['anonymous', 'x'], age: '3' } },
    { error: true, services: [{ name: 'cart' }], edges: [{ source: 'a', destination: 'b', error: true }] },
    {
      services: [{ name: 'cart', fault: false, error: false, throttle: false, responseTime: 2 }],
      rootCauses: { fault: [], error: [], responseTime: [] },
    },
  ];
  for (const expression of expressions) {
    it(expression, () => {
      const filter = compileFilter(expression);
      for (const input of traces) {
        const t = trace(input);
        const expected = filter.outcome(t);
        expect(explainFilter(expression, t).result).toBe(expected === undefined ? 'unknown' : expected);
      }
    });
  }
});
