/**
 * The Lambda facade built from the SDK's own parts: the trace-header rules of the SDK's
 * `LambdaUtils.populateTraceData`, decision for decision, on the SDK's real Segment class.
 */
import { describe, expect, it } from 'vitest';
import Segment from 'aws-xray-sdk-core/dist/lib/segments/segment.js';
import * as segmentUtils from 'aws-xray-sdk-core/dist/lib/segments/segment_utils.js';
import * as utils from 'aws-xray-sdk-core/dist/lib/utils.js';
import TraceID from 'aws-xray-sdk-core/dist/lib/segments/attributes/trace_id.js';
import { initLambdaMode } from './lambda-facade';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const PARENT = '53995c3f42cd8ad8';

type Facade = Segment & {
  facade?: boolean;
  noOp?: boolean;
  counter: number;
  additionalTraceData?: Record<string, string>;
  resolveLambdaTraceData(): void;
};

function facadeWithHeader(initial?: string) {
  const logged: Array<{ level: string; message: string }> = [];
  const missing: string[] = [];
  let current: Facade | undefined;
  const saved = process.env._X_AMZN_TRACE_ID;
  if (initial === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = initial;
  try {
    initLambdaMode({
      Segment,
      utils,
      segmentUtils,
      TraceID,
      context: {
        setSegment: (segment) => (current = segment as Facade),
        enableManualMode: () => undefined,
        contextMissingStrategy: { contextMissing: (message) => missing.push(message) },
      },
      warn: (message) => logged.push({ level: 'warn', message }),
      error: (message) => logged.push({ level: 'error', message }),
    });
  } finally {
    if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = saved;
  }
  const resolve = (header: string | undefined) => {
    const before = process.env._X_AMZN_TRACE_ID;
    if (header === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = header;
    try {
      current!.resolveLambdaTraceData();
    } finally {
      if (before === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = before;
    }
    return current!;
  };
  return { facade: current!, resolve, logged, missing };
}

describe('X-Ray Lambda facade', () => {
  it('takes trace id, parent and sampling from a sampled header, and streams every closing child', () => {
    const { facade, resolve, logged } = facadeWithHeader();
    expect(facade.facade).toBe(true);
    expect(segmentUtils.getStreamingThreshold()).toBe(0);
    resolve(`Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage=a:1`);
    expect(facade.trace_id).toBe(ROOT);
    expect(facade.id).toBe(PARENT);
    expect(facade.notTraced).toBe(false);
    expect(facade.additionalTraceData).toEqual({ Lineage: 'a:1' });
    expect(logged).toEqual([]);
  });

  it('marks an unsampled invocation not traced, and a new header replaces the previous one', () => {
    const { resolve } = facadeWithHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1`);
    const child = resolve(`Root=${ROOT};Parent=${PARENT};Sampled=1`).addNewSubsegment('left over');
    expect(child.notTraced).toBe(false);
    const next = resolve(`Root=1-5759e988-00000000000000000000000a;Parent=${PARENT};Sampled=0`);
    expect(next.notTraced).toBe(true);
    expect(next.trace_id).toBe('1-5759e988-00000000000000000000000a');
    // Nothing of the previous invocation leaks into this one.
    expect(next.subsegments ?? []).toEqual([]);
  });

  it("treats a root-only header (Lambda's PassThrough) as a no-op segment, and clears that on the next", () => {
    const { resolve } = facadeWithHeader();
    expect(resolve(`Root=${ROOT}`).noOp).toBe(true);
    expect(resolve(`Root=${ROOT};Parent=${PARENT};Sampled=1`).noOp).toBeUndefined();
  });

  it('logs a header missing its parent or sampling, and an invalid trace id, as the SDK does', () => {
    const { resolve, logged } = facadeWithHeader();
    resolve(`Root=${ROOT};Sampled=1`);
    resolve(`Root=not-a-trace-id;Parent=${PARENT};Sampled=1`);
    expect(logged.map((l) => l.message)).toEqual([
      '_X_AMZN_TRACE_ID is missing required information',
      '_X_AMZN_TRACE_ID contains invalid trace ID',
    ]);
  });

  it('reports a missing header through the context-missing strategy and falls back to no trace', () => {
    const { resolve, missing } = facadeWithHeader();
    const facade = resolve(undefined);
    expect(missing).toHaveLength(1);
    expect(missing[0]).toContain('Missing AWS Lambda trace data');
    expect(facade.notTraced).toBe(true);
    expect(facade.trace_id).toBe('1-00000000-000000000000000000000000');
  });

  it('reads a valid header already present at init', () => {
    const { facade } = facadeWithHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1`);
    expect(facade.trace_id).toBe(ROOT);
    expect(facade.id).toBe(PARENT);
  });

  it('keeps data off the facade: recording calls warn, the SDK’s own calls are silent', () => {
    const { facade, logged } = facadeWithHeader();
    facade.addAnnotation('username', 'alice');
    facade.close();
    expect(logged).toEqual([
      {
        level: 'warn',
        message:
          'Function "addAnnotation" cannot be called on an AWS Lambda segment. Please use a subsegment to record data.',
      },
    ]);
  });
});
