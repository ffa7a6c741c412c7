import { describe, expect, it } from 'vitest';
import { parseTraceLine } from './trace-lines';
import { wireSummary } from './test-support';

const AT = Date.parse('2026-11-20T08:00:00Z');

describe('trace file lines', () => {
  it('reads a wire-format TraceSummary into the filter’s Trace and the aggregation’s summary', () => {
    const result = parseTraceLine(JSON.stringify(wireSummary({ atMs: AT, user: 'ada', fault: true })));
    expect(result.ok && result.kind).toBe('summary');
    const [record] = result.ok ? result.records : [];
    expect(record!.trace).toMatchObject({
      startTime: AT / 1000,
      fault: true,
      annotations: { username: ['ada'] },
    });
    expect(record!.summary().StartTime).toEqual(new Date(AT));
  });

  it('takes an ISO StartTime (an SDK result written with JSON.stringify) and whole response pages', () => {
    const iso = { ...wireSummary({ atMs: AT, user: 'ada' }), StartTime: new Date(AT).toISOString() };
    const page = parseTraceLine(
      JSON.stringify({ TraceSummaries: [iso, wireSummary({ atMs: AT + 1, user: 'bo' })] }),
    );
    expect(page.ok && page.records.map((r) => r.trace.annotations['username'])).toEqual([['ada'], ['bo']]);
    expect(page.ok && page.records[0]!.trace.startTime).toBe(AT / 1000);
  });

  it('reads the local pipeline’s traces (segments dropped) and gives them a summary for the aggregation', () => {
    const line = JSON.stringify({
      id: '1-a-b',
      startTime: AT / 1000,
      fault: true,
      annotations: { username: ['ada'] },
      services: [{ name: 'cart', root: true }],
      segments: [{ id: 's', name: 'cart' }],
    });
    const result = parseTraceLine(line);
    expect(result.ok && result.kind).toBe('trace');
    const summary = result.ok ? result.records[0]!.summary() : undefined;
    expect(summary).toMatchObject({
      Id: '1-a-b',
      HasFault: true,
      StartTime: new Date(AT),
      Annotations: { username: [{ AnnotationValue: { StringValue: 'ada' } }] },
    });
  });

  it.each([
    ['{', /^not JSON \(/],
    ['"a string"', /^a JSON string, not an object$/],
    ['{"name": "x"}', /^neither a TraceSummary \(Id, StartTime\) nor a local pipeline trace/],
    [
      '{"Id": "1-x", "StartTime": 1, "HasFault": "yes"}',
      /^not a TraceSummary: HasFault: Invalid input: expected boolean/,
    ],
    [
      '{"Id": "1-x", "StartTime": 1, "Annotations": {"username": "ada"}}',
      /^not a TraceSummary: Annotations\.username: /,
    ],
    ['{"TraceSummaries": [{"Id": "1-x"}]}', /^TraceSummaries\[0\]: not a TraceSummary: StartTime: /],
    ['{"id": "1-x", "startTime": "now"}', /^not a local pipeline trace: startTime: /],
    ['{"id": "", "startTime": 5}', /^not a local pipeline trace: no id$/],
  ])('rejects %s with the reason', (line, reason) => {
    const result = parseTraceLine(line);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});
