import { describe, expect, it } from 'vitest';
import {
  nestSegments,
  segmentDocumentSchema,
  segmentsToTrace,
  type SegmentDocument,
} from './segments-to-trace';

const TRACE = '1-6740f0a0-aaaaaaaaaaaaaaaaaaaaaaaa';
const T0 = 1_732_000_000;

const apiGateway = (over: Partial<SegmentDocument> = {}): SegmentDocument => ({
  id: 'root000000000001',
  trace_id: TRACE,
  name: 'shop-api/prod',
  origin: 'AWS::ApiGateway::Stage',
  start_time: T0,
  end_time: T0 + 0.3,
  user: 'alice',
  http: {
    request: {
      method: 'POST',
      url: 'https://api.example.com/prod/cart',
      user_agent: 'curl/8',
      client_ip: '203.0.113.9',
    },
    response: { status: 502 },
  },
  fault: true,
  ...over,
});

const lambdaFunction = (over: Partial<SegmentDocument> = {}): SegmentDocument => ({
  id: 'func000000000001',
  trace_id: TRACE,
  parent_id: 'root000000000001',
  name: 'shop-AddToCart',
  origin: 'AWS::Lambda::Function',
  start_time: T0 + 0.01,
  end_time: T0 + 0.28,
  fault: true,
  ...over,
});

/** What the X-Ray SDK streams from inside the function: annotations, with a DynamoDB call nested inline. */
const annotationSubsegment = (over: Partial<SegmentDocument> = {}): SegmentDocument => ({
  id: 'anno000000000001',
  trace_id: TRACE,
  parent_id: 'func000000000001',
  type: 'subsegment',
  name: 'annotations',
  start_time: T0 + 0.02,
  end_time: T0 + 0.27,
  fault: true,
  annotations: { username: 'alice', generated_cart: false },
  cause: { exceptions: [{ type: 'CartError', message: 'cart is locked' }] },
  subsegments: [
    {
      id: 'ddb0000000000001',
      name: 'DynamoDB',
      namespace: 'aws',
      start_time: T0 + 0.03,
      end_time: T0 + 0.25,
      throttle: true,
      error: true,
      http: { response: { status: 400 } },
      annotations: { username: 'alice', table: 'carts' },
    },
  ],
  ...over,
});

describe('segmentsToTrace', () => {
  const trace = segmentsToTrace([annotationSubsegment(), lambdaFunction(), apiGateway()]);

  it('takes timing, HTTP and fault/error from the root segment, throttle from any entity', () => {
    expect(trace).toMatchObject({
      id: TRACE,
      startTime: T0,
      duration: 0.3,
      responseTime: 0.3,
      http: {
        status: 502,
        method: 'POST',
        url: 'https://api.example.com/prod/cart',
        userAgent: 'curl/8',
        clientIp: '203.0.113.9',
      },
      fault: true,
      error: false,
      throttle: true,
      partial: false,
      users: ['alice'],
    });
  });

  it('collects annotations from every (sub)segment at any depth, each distinct value once', () => {
    expect(trace.annotations).toEqual({ username: ['alice'], generated_cart: [false], table: ['carts'] });
  });

  it('lists services, the root flagged, and the DynamoDB call as an inferred downstream service', () => {
    expect(trace.services).toEqual([
      expect.objectContaining({
        name: 'shop-api/prod',
        type: 'AWS::ApiGateway::Stage',
        root: true,
        fault: true,
      }),
      expect.objectContaining({ name: 'shop-AddToCart', type: 'AWS::Lambda::Function', fault: true }),
      expect.objectContaining({ name: 'DynamoDB', type: 'AWS::DynamoDB', throttle: true, error: true }),
    ]);
    expect(trace.services[1]).not.toHaveProperty('root');
    expect(trace.edges).toEqual([
      expect.objectContaining({
        source: { name: 'shop-api/prod', type: 'AWS::ApiGateway::Stage' },
        fault: true,
      }),
      expect.objectContaining({ destination: { name: 'DynamoDB', type: 'AWS::DynamoDB' }, throttle: true }),
    ]);
  });

  it('roots the fault cause at the deepest faulting entity, with its exception', () => {
    expect(trace.rootCauses?.fault).toEqual([
      {
        clientImpacting: true,
        services: [
          {
            name: 'shop-AddToCart',
            type: 'AWS::Lambda::Function',
            entityPath: [
              { name: 'shop-AddToCart', exceptions: [] },
              { name: 'annotations', exceptions: [{ name: 'CartError', message: 'cart is locked' }] },
            ],
          },
        ],
      },
    ]);
    expect(trace.rootCauses?.error[0]?.services[0]?.entityPath.at(-1)).toMatchObject({
      name: 'DynamoDB',
      remote: true,
    });
    expect(trace.rootCauses?.responseTime[0]?.services[0]?.entityPath[0]).toMatchObject({ name: 'DynamoDB' });
    // A culprit that is a call to AWS ends the chain with the inferred service, as X-Ray's does:
    // the page then names DynamoDB, not the Lambda that called it.
    expect(trace.rootCauses?.error[0]?.services.map((s) => [s.name, s.type, s.inferred])).toEqual([
      ['shop-AddToCart', 'AWS::Lambda::Function', undefined],
      ['DynamoDB', 'AWS::DynamoDB', true],
    ]);
    expect(trace.rootCauses?.responseTime[0]?.services.at(-1)).toMatchObject({
      name: 'DynamoDB',
      inferred: true,
    });
    expect(trace.rootCauses?.fault[0]?.services).toHaveLength(1);
  });

  it('reports a 4xx root as error, not fault', () => {
    const t = segmentsToTrace([apiGateway({ fault: false, http: { response: { status: 404 } } })]);
    expect(t).toMatchObject({ fault: false, error: true, throttle: false, http: { status: 404 } });
  });

  it('marks 429 at the root as error and throttle', () => {
    const t = segmentsToTrace([apiGateway({ fault: false, http: { response: { status: 429 } } })]);
    expect(t).toMatchObject({ error: true, throttle: true });
  });

  it('is partial while a segment is in progress, and complete once its final document replaces it', () => {
    const { end_time: _end, ...open } = apiGateway();
    const inProgress = segmentsToTrace([{ ...open, in_progress: true }, lambdaFunction()]);
    expect(inProgress.partial).toBe(true);
    expect(inProgress).not.toHaveProperty('responseTime');

    const done = segmentsToTrace([{ ...open, in_progress: true }, lambdaFunction(), apiGateway()]);
    expect(done).toMatchObject({ partial: false, responseTime: 0.3 });
  });

  it('is partial, with no fault or HTTP, when only subsegments arrived (no root to read them from)', () => {
    const t = segmentsToTrace([annotationSubsegment()]);
    expect(t).toMatchObject({ partial: true, fault: false, error: false, http: {}, users: [] });
    expect(t.annotations.username).toEqual(['alice']);
  });

  it('takes users from segments only, in order of appearance', () => {
    const t = segmentsToTrace([
      apiGateway(),
      lambdaFunction({ user: 'bob' }),
      annotationSubsegment({ user: 'mallory' }),
    ]);
    expect(t.users).toEqual(['alice', 'bob']);
  });

  it('keeps several values of one key from different subsegments', () => {
    const t = segmentsToTrace([
      apiGateway(),
      lambdaFunction(),
      annotationSubsegment(),
      annotationSubsegment({
        id: 'anno000000000002',
        annotations: { username: 'anonymous' },
        subsegments: [],
      }),
    ]);
    expect(t.annotations.username).toEqual(['alice', 'anonymous']);
  });
});

describe('nestSegments', () => {
  it('moves streamed subsegments under their parents and leaves orphans at the top', () => {
    const orphan = annotationSubsegment({
      id: 'orph000000000001',
      parent_id: 'missing000000001',
      subsegments: [],
    });
    const input = [annotationSubsegment(), lambdaFunction(), orphan];
    const nested = nestSegments(input);
    expect(nested.map((d) => d.id)).toEqual(['func000000000001', 'orph000000000001']);
    expect(nested[0]?.subsegments?.map((d) => d.id)).toEqual(['anno000000000001']);
    expect(input[1]).not.toHaveProperty('subsegments'); // inputs are not mutated
  });
});

describe('segmentDocumentSchema', () => {
  it('accepts SDK documents with extra fields and rejects documents without id or start_time', () => {
    expect(
      segmentDocumentSchema.safeParse({ ...lambdaFunction(), aws: { xray: { sdk: 'X-Ray for Node.js' } } })
        .success,
    ).toBe(true);
    expect(segmentDocumentSchema.safeParse({ name: 'x', start_time: 1 }).success).toBe(false);
    expect(segmentDocumentSchema.safeParse({ id: 'a', name: 'x' }).success).toBe(false);
  });
});
