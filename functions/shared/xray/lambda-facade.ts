/**
 * The X-Ray SDK's Lambda mode (its `env/aws_lambda.js` init), built here from the SDK's own
 * Segment, trace-data parser and settings, without loading that file.
 *
 * Why: `env/aws_lambda.js` requires the SDK's centralized-sampling middleware (`mw_utils` → the
 * rule and target pollers → `service_connector`, which requires `node:http` at load) only to
 * switch centralized sampling off again, since Lambda decides sampling itself. Loading
 * `node:http` is the single most expensive module of a cart function's cold start (measured in
 * bench/cart.bench.ts: importing `node:http` alone costs more CPU than bare `node -e 0`, about
 * twice what `node:https` costs, and none of the rest of the bundle asks for it at load).
 *
 * | what `aws_lambda.init()` does                          | here                                            |
 * |--------------------------------------------------------|-------------------------------------------------|
 * | streaming threshold 0                                  | the same                                        |
 * | manual mode refused with a warning                     | the same                                        |
 * | centralized sampling switched off                      | never loaded (sampling comes from the header)   |
 * | the emitter's socket per send                          | not needed: tracing-xray.ts replaces `send`     |
 * | a facade segment: no data of its own, methods warn     | the same                                        |
 * | trace data re-read when `_X_AMZN_TRACE_ID` changes     | the same rules, minus a throw-away random trace |
 * |                                                        | id per invocation; `noOp` and extra trace data  |
 * |                                                        | cleared too (the SDK keeps them across          |
 * |                                                        | invocations); no `delete` (see {@link populate})|
 *
 * Rejected: an esbuild alias for `service_connector` (aliases apply to package paths, and the SDK
 * requires it by a relative path); keeping `aws_lambda.js` and lazy-loading `node:http` (the SDK's
 * file requires it at its top).
 */
import { randomBytes } from 'node:crypto';
import type SegmentClass from 'aws-xray-sdk-core/dist/lib/segments/segment.js';
import type * as SegmentUtils from 'aws-xray-sdk-core/dist/lib/segments/segment_utils.js';
import type * as Utils from 'aws-xray-sdk-core/dist/lib/utils.js';

/** The SDK pieces the facade is made of (loaded by the caller, so the context module loads first). */
export interface FacadeParts {
  Segment: typeof SegmentClass;
  utils: typeof Utils;
  segmentUtils: typeof SegmentUtils;
  context: {
    setSegment(segment: unknown): void;
    enableManualMode(): void;
    contextMissingStrategy: { contextMissing(message: string): void };
  };
  TraceID: { FromString(raw: string): { toString(): string } };
  warn(message: string): void;
  error(message: string): void;
}

/** Methods a facade segment keeps: the ones that attach children. */
const KEPT = new Set([
  'addNewSubsegment',
  'addSubsegment',
  'removeSubsegment',
  'toString',
  'addSubsegmentWithoutSampling',
  'addNewSubsegmentWithoutSampling',
]);
/** Methods the SDK itself calls on any parent: silent no-ops, as in the SDK's facade. */
const SILENT = new Set(['incrementCounter', 'decrementCounter', 'isClosed', 'close', 'format', 'flush']);
const INVALID_TRACE_ID = '1-00000000-000000000000000000000000';

type Facade = SegmentClass & {
  facade: true;
  counter: number;
  noOp?: boolean;
  resolveLambdaTraceData(): void;
};

/** What `aws_lambda.init()` does, minus centralized sampling: the facade becomes the process-wide segment. */
export function initLambdaMode(parts: FacadeParts): void {
  parts.context.enableManualMode = () => parts.warn('AWS Lambda does not support AWS X-Ray manual mode.');
  parts.segmentUtils.setStreamingThreshold(0);
  parts.context.setSegment(facadeSegment(parts));
}

function facadeSegment(parts: FacadeParts): Facade {
  const segment = new parts.Segment('facade') as Facade;
  const methods = segment as unknown as Record<string, unknown>;
  for (const key in segment) {
    if (typeof methods[key] !== 'function' || KEPT.has(key)) continue;
    methods[key] = SILENT.has(key)
      ? () => undefined
      : () =>
          parts.warn(
            `Function "${key}" cannot be called on an AWS Lambda segment. Please use a subsegment to record data.`,
          );
  }
  segment.isClosed = () => true;
  Object.assign(segment, { in_progress: false, counter: 1, facade: true });
  let previous: string | undefined;
  // Every field is assigned, never deleted: the facade is the prototype of each request's root
  // (tracing-xray.ts), and a deleted property turns it into a slow dictionary object again.
  const reset = () => {
    Object.assign(segment, {
      trace_id: INVALID_TRACE_ID,
      id: '00000000',
      notTraced: true,
      subsegments: undefined,
      noOp: undefined,
      additionalTraceData: undefined,
    });
  };
  const read = (header: string) => {
    if (populate(parts, segment, header)) previous = header;
  };
  reset();
  segment.resolveLambdaTraceData = () => {
    const header = lambdaTraceHeader();
    if (!header) {
      reset();
      parts.context.contextMissingStrategy.contextMissing(
        'Missing AWS Lambda trace data for X-Ray. Ensure Active Tracing is enabled and no subsegments are created outside the function handler.',
      );
      return;
    }
    if (header === previous) return;
    reset();
    read(header);
  };
  // At init the runtime may already have set a header (provisioned concurrency does not).
  const atInit = process.env._X_AMZN_TRACE_ID;
  if (parts.utils.LambdaUtils.validTraceData(atInit) && atInit) read(atInit);
  return segment;
}

const WELL_FORMED_ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/**
 * The SDK's `LambdaUtils.populateTraceData`, decision for decision (same header parser, same
 * validity rules and log lines), without its two costs per invocation: a random trace id built
 * and thrown away for every well-formed root, and `delete` on the facade.
 */
function populate(parts: FacadeParts, segment: Facade, header: string): boolean {
  const data = parts.utils.processTraceData(header) as Partial<
    Record<'root' | 'parent' | 'sampled', string>
  > & {
    data?: object;
  };
  const { root, parent, sampled } = data;
  let valid = false;
  if (root && !parent && !sampled) {
    // Lambda's PassThrough mode: a root only. Recorded as a no-op segment, as the SDK does.
    segment.noOp = true;
    valid = true;
  } else if (!root || !parent || !sampled) {
    parts.error('_X_AMZN_TRACE_ID is missing required information');
  } else {
    valid = true;
  }
  segment.trace_id =
    root && WELL_FORMED_ROOT.test(root) ? root : parts.TraceID.FromString(root ?? '').toString();
  segment.id = parent || randomBytes(8).toString('hex');
  if (root && segment.trace_id !== root) {
    parts.error('_X_AMZN_TRACE_ID contains invalid trace ID');
    valid = false;
  }
  segment.notTraced = !Number.parseInt(sampled ?? '', 10);
  segment.additionalTraceData = data.data;
  return valid;
}

/** The invocation's trace header: the runtime's per-invocation store first (as the SDK reads it), else the environment. */
function lambdaTraceHeader(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId?(): string | undefined } } })
    .awslambda?.InvokeStore;
  return store?.getXRayTraceId?.() ?? process.env._X_AMZN_TRACE_ID;
}
