/**
 * The public Lambda helper beside the Powertools Tracer: `tracing: tracingFromPowertools(tracer)`,
 * and under Middy after the tracer's own `captureLambdaHandler`, the annotations subsegment nested
 * in the tracer's `## handler` subsegment; the stock X-Ray SDK sends to a local UDP daemon.
 */
import type { Tracer as PowertoolsTracer } from '@aws-lambda-powertools/tracer';
import type * as Middleware from '@aws-lambda-powertools/tracer/middleware';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import type * as Lambda from '../../package/lambda';
import { lambdaContext } from '../shop/fixtures';
import { newTraceHeader, startTestDaemon, type TestDaemon } from '../shop/xray-daemon';
import { helperSpec } from './helper-spec';

let daemon: TestDaemon;
let idp: LocalIdentity;
let helper: typeof Lambda;
let tracer: PowertoolsTracer;
let captureLambdaHandler: typeof Middleware.captureLambdaHandler;

beforeAll(async () => {
  [daemon, idp] = await Promise.all([startTestDaemon(), startLocalIdentity()]);
  Object.assign(process.env, idp.env, {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: 'orders',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    // Powertools names its handler subsegment `## <_HANDLER>`.
    _HANDLER: 'index.handler',
  });
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  ({ captureLambdaHandler } = await import('@aws-lambda-powertools/tracer/middleware'));
  tracer = new Tracer({ serviceName: 'orders', captureHTTPsRequests: false });
  helper = await import('../../package/lambda');
});
afterAll(async () => {
  await Promise.all([daemon?.close(), idp?.close()]);
});

helperSpec('Powertools Tracer', () => ({
  idp,
  helper,
  options: () => ({ tracing: helper.tracingFromPowertools(tracer) }),
  middlewares: () => [captureLambdaHandler(tracer)],
  annotationsOf: (root) => daemon.waitFor(root, 'annotations'),
}));

it('nests the annotations subsegment in the tracer’s handler subsegment under Middy', async () => {
  const { default: middy } = await import('@middy/core');
  const handler = middy()
    .use(captureLambdaHandler(tracer))
    .use(helper.userAnnotations({ tracing: helper.tracingFromPowertools(tracer) }))
    .handler(async () => ({ statusCode: 204 }));
  const { root, header } = newTraceHeader();
  process.env._X_AMZN_TRACE_ID = header;
  await handler({ headers: {} }, lambdaContext('orders'));
  const annotations = await daemon.waitFor(root, 'annotations');
  expect(annotations.annotations).toEqual({ username: 'anonymous' });
  const handlerSegment = daemon.entities(root).find((d) => d.name === '## index.handler');
  expect(handlerSegment).toBeDefined();
  expect((annotations as { parent_id?: string }).parent_id).toBe(handlerSegment?.id);
});
