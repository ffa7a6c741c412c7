/** The public Lambda helper on the OpenTelemetry backend (TRACING_BACKEND=otel), OTLP to a local endpoint. */
import { afterAll, beforeAll } from 'vitest';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import { startOtlpReceiver, type OtlpReceiver } from '../../local/otlp-receiver';
import type { SegmentDocument } from '../../local/segments-to-trace';
import { createTraceStore } from '../../local/trace-store';
import type * as Lambda from '../../package/lambda';
import { helperSpec } from './helper-spec';

const received: SegmentDocument[] = [];
let receiver: OtlpReceiver;
let idp: LocalIdentity;
let helper: typeof Lambda;

beforeAll(async () => {
  [receiver, idp] = await Promise.all([
    startOtlpReceiver({
      store: createTraceStore(),
      sink: { put: (document) => void received.push(document) },
    }),
    startLocalIdentity(),
  ]);
  Object.assign(process.env, idp.env, {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'orders',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TRACING_BACKEND: 'otel',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesEndpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  helper = await import('../../package/lambda');
});
afterAll(async () => {
  await Promise.all([receiver?.close(), idp?.close()]);
});

helperSpec('OpenTelemetry backend', () => ({
  idp,
  helper,
  // The backend exports before the invocation settles: the span is there already.
  annotationsOf: async (root) => {
    const span = received.find((doc) => doc.trace_id === root && doc.name === 'annotations');
    if (!span) throw new Error(`no annotations span for ${root}`);
    return span as never;
  },
}));
