import { describe, expect, it } from 'vitest';
import { traceFromInput, traceInputSchema } from './trace';

describe('compact trace input', () => {
  it('fills a quiet, successful trace from nothing', () => {
    expect(traceFromInput({}, 'quiet')).toEqual({
      id: 'quiet',
      startTime: 0,
      http: {},
      fault: false,
      error: false,
      throttle: false,
      partial: false,
      users: [],
      annotations: {},
      services: [],
      availabilityZones: [],
      instanceIds: [],
      resourceArns: [],
    });
  });

  it('accepts one value or a list for annotations and users', () => {
    const t = traceFromInput(
      { users: 'alice', annotations: { username: 'alice', seen: [1, true, 'x'] } },
      't',
    );
    expect(t.users).toEqual(['alice']);
    expect(t.annotations).toEqual({ username: ['alice'], seen: [1, true, 'x'] });
  });

  it('keeps an explicit id and leaves edges / root causes undefined unless given', () => {
    const t = traceFromInput({ id: '1-abc' }, 'fallback');
    expect(t.id).toBe('1-abc');
    expect(t.edges).toBeUndefined();
    expect(t.rootCauses).toBeUndefined();
  });

  it('writes edge endpoints as a name or an identity', () => {
    const t = traceFromInput(
      { edges: [{ source: 'api', destination: { name: 'db', type: 'AWS::DynamoDB::Table' } }] },
      't',
    );
    expect(t.edges).toEqual([
      { source: { name: 'api' }, destination: { name: 'db', type: 'AWS::DynamoDB::Table' } },
    ]);
  });

  it('rejects misspelled fields instead of ignoring them', () => {
    const result = traceInputSchema.safeParse({ responsetime: 3 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('responsetime');
  });

  it('rejects annotation values that X-Ray cannot hold', () => {
    expect(traceInputSchema.safeParse({ annotations: { u: { nested: 1 } } }).success).toBe(false);
    expect(traceInputSchema.safeParse({ responseTime: -1 }).success).toBe(false);
  });
});
