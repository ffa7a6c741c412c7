/**
 * EventBridge event-pattern matching, so the local bus routes with the very patterns the
 * CDK stack deploys (`rules/names.ts`).
 *
 * Semantics (EventBridge "Content filtering" and "Event patterns" docs):
 * - every field in the pattern must match; fields the pattern omits are ignored;
 * - a leaf is an array of alternatives: exact values (string, number, boolean, null) or
 *   one-key filter objects: `prefix`, `suffix` (optionally `{ equals-ignore-case }`),
 *   `anything-but`, `exists`, `numeric`, `equals-ignore-case`, `wildcard`;
 * - an array in the event matches when any of its elements does;
 * - a nested object in the pattern matches the event's nested object; `$or` takes a list
 *   of patterns of which one must match.
 * Patterns AWS would refuse (a leaf that is not an array, an empty array, an unknown
 * filter) throw when compiled, so they fail in tests before they fail in a deployment.
 * Not implemented: `cidr`.
 */

export type EventPattern = Record<string, unknown>;
export type EventMatcher = (event: unknown) => boolean;

type Scalar = string | number | boolean | null;
/** Matches one scalar from the event (`undefined` when the field is absent). */
type LeafTest = (value: Scalar | undefined, present: boolean) => boolean;

export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
}

export function compileEventPattern(pattern: EventPattern): EventMatcher {
  const match = compileObject(pattern, '');
  return (event) => match(event);
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function compileObject(pattern: unknown, path: string): (value: unknown) => boolean {
  if (!isRecord(pattern)) throw new EventPatternError(`${path || 'pattern'} must be an object`);
  const fields = Object.entries(pattern).map(([key, sub]): ((value: unknown) => boolean) => {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2)
        throw new EventPatternError(`${at} needs at least two patterns`);
      const options = sub.map((p, i) => compileObject(p, `${at}[${i}]`));
      return (value) => options.some((option) => option(value));
    }
    if (Array.isArray(sub)) {
      const test = compileLeaf(sub, at);
      return (value) =>
        matchesLeaf(test, isRecord(value) ? value[key] : undefined, isRecord(value) && key in value);
    }
    if (isRecord(sub)) {
      const nested = compileObject(sub, at);
      return (value) => {
        const child = isRecord(value) ? value[key] : undefined;
        // EventBridge flattens arrays of objects: any element may satisfy the nested pattern.
        return Array.isArray(child) ? child.some((c) => nested(c)) : nested(child);
      };
    }
    throw new EventPatternError(`${at} must be an array of values or an object, got ${JSON.stringify(sub)}`);
  });
  return (value) => fields.every((field) => field(value));
}

function matchesLeaf(test: LeafTest, value: unknown, present: boolean): boolean {
  if (Array.isArray(value)) return value.some((v) => isScalar(v) && test(v, true));
  // Objects are not leaves: for a leaf pattern the field is as good as absent.
  if (isRecord(value)) return test(undefined, false);
  return test(isScalar(value) ? value : undefined, present && value !== undefined);
}

function compileLeaf(alternatives: unknown[], at: string): LeafTest {
  if (alternatives.length === 0) throw new EventPatternError(`${at}: empty arrays are not allowed`);
  const tests = alternatives.map((alt): LeafTest => {
    if (isScalar(alt)) return (value, present) => present && value === alt;
    if (isRecord(alt)) return compileFilter(alt, at);
    throw new EventPatternError(`${at}: ${JSON.stringify(alt)} is not a value or a filter`);
  });
  return (value, present) => tests.some((test) => test(value, present));
}

function compileFilter(filter: Record<string, unknown>, at: string): LeafTest {
  const entries = Object.entries(filter);
  const [entry] = entries;
  if (entries.length !== 1 || entry === undefined) {
    throw new EventPatternError(`${at}: a filter object has exactly one key, got ${JSON.stringify(filter)}`);
  }
  const [kind, arg] = entry;
  switch (kind) {
    case 'prefix':
    case 'suffix': {
      const test = affixTest(kind, arg, at);
      return (value, present) => present && typeof value === 'string' && test(value);
    }
    case 'equals-ignore-case': {
      const expected = stringArg(arg, at, kind).toLowerCase();
      return (value, present) => present && typeof value === 'string' && value.toLowerCase() === expected;
    }
    case 'wildcard': {
      const regex = wildcardRegex(stringArg(arg, at, kind));
      return (value, present) => present && typeof value === 'string' && regex.test(value);
    }
    case 'exists':
      if (typeof arg !== 'boolean') throw new EventPatternError(`${at}: exists takes true or false`);
      return (_value, present) => present === arg;
    case 'numeric': {
      const test = numericTest(arg, at);
      return (value, present) => present && typeof value === 'number' && test(value);
    }
    case 'anything-but': {
      const excluded = anythingButTest(arg, at);
      // Like EventBridge, a missing field does not match `anything-but`.
      return (value, present) => present && value !== undefined && !excluded(value);
    }
    default:
      throw new EventPatternError(`${at}: unsupported filter "${kind}"`);
  }
}

function affixTest(kind: 'prefix' | 'suffix', arg: unknown, at: string): (value: string) => boolean {
  const ignoreCase = isRecord(arg);
  const text = ignoreCase
    ? stringArg(arg['equals-ignore-case'], at, `${kind}.equals-ignore-case`)
    : stringArg(arg, at, kind);
  const needle = ignoreCase ? text.toLowerCase() : text;
  return (value) => {
    const hay = ignoreCase ? value.toLowerCase() : value;
    return kind === 'prefix' ? hay.startsWith(needle) : hay.endsWith(needle);
  };
}

function anythingButTest(arg: unknown, at: string): (value: Scalar) => boolean {
  if (isScalar(arg)) return (value) => value === arg;
  if (Array.isArray(arg)) {
    if (arg.length === 0 || !arg.every(isScalar))
      throw new EventPatternError(`${at}: anything-but list must hold values`);
    return (value) => arg.includes(value);
  }
  if (isRecord(arg)) {
    const inner = compileFilter(arg, at);
    return (value) => inner(value, true);
  }
  throw new EventPatternError(`${at}: invalid anything-but ${JSON.stringify(arg)}`);
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

function numericTest(arg: unknown, at: string): (value: number) => boolean {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) {
    throw new EventPatternError(`${at}: numeric takes one or two operator/number pairs`);
  }
  const checks: Array<(value: number) => boolean> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    const compare = typeof op === 'string' ? COMPARATORS[op] : undefined;
    if (!compare || typeof bound !== 'number')
      throw new EventPatternError(`${at}: invalid numeric ${JSON.stringify(arg)}`);
    checks.push((value) => compare(value, bound));
  }
  return (value) => checks.every((check) => check(value));
}

function wildcardRegex(pattern: string): RegExp {
  const parts = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

function stringArg(arg: unknown, at: string, kind: string): string {
  if (typeof arg !== 'string') throw new EventPatternError(`${at}: ${kind} takes a string`);
  return arg;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
