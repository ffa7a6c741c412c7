import { describe, expect, it } from 'vitest';
import { compileFilter } from './compile';
import { traceFromSummary, type TraceSummaryLike } from './trace-from-summary';

/** The real output sample from the dev guide "Getting data from AWS X-Ray" (aws-events.md §4). */
const SCOREKEEP: TraceSummaryLike = {
  HasError: false,
  Http: {
    HttpStatus: 200,
    ClientIp: '205.255.255.183',
    HttpURL: 'http://scorekeep.elasticbeanstalk.com/api/user',
    UserAgent: 'Mozilla/5.0 ...',
    HttpMethod: 'POST',
  },
  Users: [{ UserName: '5M388M1E' }],
  HasFault: false,
  Annotations: {
    UserID: [{ AnnotationValue: { StringValue: '5M388M1E' } }],
    Name: [{ AnnotationValue: { StringValue: 'Ola' } }],
  },
  ResponseTime: 3.232,
  Duration: 3.232,
  Id: '1-59602603-23fc5b688855d396af79b496',
  HasThrottle: false,
};

describe('traceFromSummary', () => {
  it('maps the documented sample', () => {
    expect(traceFromSummary(SCOREKEEP)).toEqual({
      id: '1-59602603-23fc5b688855d396af79b496',
      startTime: 0,
      responseTime: 3.232,
      duration: 3.232,
      http: {
        status: 200,
        url: 'http://scorekeep.elasticbeanstalk.com/api/user',
        method: 'POST',
        userAgent: 'Mozilla/5.0 ...',
        clientIp: '205.255.255.183',
      },
      fault: false,
      error: false,
      throttle: false,
      partial: false,
      users: ['5M388M1E'],
      annotations: { UserID: ['5M388M1E'], Name: ['Ola'] },
      services: [],
      rootCauses: { fault: [], error: [], responseTime: [] },
      availabilityZones: [],
      instanceIds: [],
      resourceArns: [],
    });
  });

  it('gives filters what X-Ray would see', () => {
    const t = traceFromSummary(SCOREKEEP);
    expect(
      compileFilter('annotation.UserID = "5M388M1E" AND user = "5M388M1E" AND responsetime > 3')(t),
    ).toBe(true);
    expect(compileFilter('http.method = "POST" AND ok AND !fault')(t)).toBe(true);
  });

  it('keeps every value of a multi-segment annotation, of each type, and drops empty ones', () => {
    const t = traceFromSummary({
      Annotations: {
        username: [
          { AnnotationValue: { StringValue: 'anonymous' } },
          { AnnotationValue: { StringValue: 'alice' } },
          { AnnotationValue: { NumberValue: 7 } },
          { AnnotationValue: { BooleanValue: false } },
          {},
        ],
        empty: [],
      },
    });
    expect(t.annotations.username).toEqual(['anonymous', 'alice', 7, false]);
    expect(Object.keys(t.annotations)).toEqual(['username']);
    expect(compileFilter('annotation.username = "anonymous"')(t)).toBe(true);
    expect(compileFilter('annotation.empty')(t)).toBe(false);
  });

  it('reads StartTime as a Date (SDK) or epoch seconds (wire)', () => {
    expect(traceFromSummary({ StartTime: new Date('2024-01-01T00:00:10Z') }).startTime).toBe(1704067210);
    expect(traceFromSummary({ StartTime: 1499473304.5 }).startTime).toBe(1499473304.5);
  });

  it('marks the entry point as root and leaves per-service flags unknown', () => {
    const t = traceFromSummary({
      ServiceIds: [
        { Name: 'api', Type: 'AWS::ApiGateway::Stage', Names: ['api'] },
        { Name: 'cart', Type: 'AWS::Lambda::Function' },
        { AccountId: '1' },
      ],
      EntryPoint: { Name: 'api', Type: 'AWS::ApiGateway::Stage' },
      HasFault: true,
    });
    expect(t.services).toEqual([
      { name: 'api', names: ['api'], type: 'AWS::ApiGateway::Stage', root: true },
      { name: 'cart', type: 'AWS::Lambda::Function', root: false },
    ]);
    expect(compileFilter('service("cart")')(t)).toBe(true);
    expect(compileFilter('service("api") { root }')(t)).toBe(true);
    expect(compileFilter('service("cart") { fault }').outcome(t)).toBeUndefined();
  });

  it('maps root causes so rootcause filters can be decided', () => {
    const t = traceFromSummary({
      FaultRootCauses: [
        {
          ClientImpacting: true,
          Services: [
            {
              Name: 'cart',
              Type: 'AWS::Lambda::Function',
              EntityPath: [
                { Name: 'cart' },
                {
                  Name: 'DynamoDB',
                  Remote: true,
                  Exceptions: [{ Name: 'ResourceNotFoundException', Message: 'table missing' }],
                },
              ],
            },
          ],
        },
      ],
      ResponseTimeRootCauses: [
        { Services: [{ Name: 'cart', Inferred: false, EntityPath: [{ Name: 'scan', Coverage: 0.8 }] }] },
      ],
    });
    expect(t.rootCauses?.fault[0]).toEqual({
      clientImpacting: true,
      services: [
        {
          name: 'cart',
          type: 'AWS::Lambda::Function',
          entityPath: [
            { name: 'cart', exceptions: [] },
            {
              name: 'DynamoDB',
              remote: true,
              exceptions: [{ name: 'ResourceNotFoundException', message: 'table missing' }],
            },
          ],
        },
      ],
    });
    expect(compileFilter('rootcause.fault.entity { last and remote and name = "DynamoDB" }')(t)).toBe(true);
    expect(compileFilter('rootcause.fault.exception { name = "ResourceNotFoundException" }')(t)).toBe(true);
    expect(compileFilter('rootcause.responsetime.entity { coverage > 0.7 }')(t)).toBe(true);
    expect(compileFilter('rootcause.error.service { name = "cart" }')(t)).toBe(false);
  });

  it('does not let an annotation key shadow Object properties', () => {
    const t = traceFromSummary({ Annotations: { constructor: [{ AnnotationValue: { StringValue: 'x' } }] } });
    expect(compileFilter('annotation.constructor = "x"')(t)).toBe(true);
    expect(compileFilter('annotation.toString')(t)).toBe(false);
  });
});
