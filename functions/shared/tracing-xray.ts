/**
 * The X-Ray SDK backend of the tracing port (contract: ./types/tracing.ts), made cheap enough to
 * trace every request. Measured on the SDK as it ships (bench/cart.bench.ts), a traced cart
 * request paid for two datagrams on two fresh sockets (Lambda mode creates a socket per send,
 * ~75 µs each) and serialized each document twice (once to send, once for a debug line that is
 * then thrown away). Here, with the SDK's own objects and middleware:
 *
 * | what                    | SDK in Lambda mode                    | here                                   |
 * |-------------------------|---------------------------------------|----------------------------------------|
 * | datagrams per request   | one per subsegment, as each closes    | one: the annotations subsegment with   |
 * |                         | (streaming threshold 0)               | its DynamoDB calls nested inside it    |
 * | socket                  | a new one per send                    | one, connected once, reused, unref'd   |
 * | serializations per send | two (`format()` + debug string)       | one                                    |
 * | modules loaded          | the whole SDK: v2 patcher + `semver`, | capture, the v3 middleware, the        |
 * |                         | HTTP/promise patchers, EC2/ECS plugins| emitter and Lambda support only        |
 * | current segment kept in | cls-hooked (async hooks on every      | AsyncLocalStorage (./xray/als-context) |
 * |                         | promise of the process)               |                                        |
 * | Lambda mode             | `env/aws_lambda.js`, which loads the  | ./xray/lambda-facade: same facade and  |
 * |                         | sampling pollers and `node:http`      | header rules, no throw-away random id, |
 * |                         |                                       | no `delete` on the facade              |
 *
 * "Where the data allows": nesting needs every child closed when the annotations subsegment
 * closes. A child still open then (a call left running) is detached and streamed by the SDK on
 * its own when it ends (the stock SDK would drop the parent in that case: it streams a subsegment
 * only once all its children have closed, and never looks at it again). The nested document is what the SDK itself sends outside
 * Lambda (X-Ray accepts subsegments inline in their parent, up to the 64 KB datagram limit; a
 * cart request's document is ~1.5 KB).
 *
 * One reused socket is safe in Lambda: UDP has no connection to go stale across a freeze, the
 * socket is unref'd so it never holds the event loop, and a failed send is logged, never thrown
 * (the ADOT X-Ray UDP span exporter for Lambda keeps one socket the same way).
 *
 * Where the remaining cost goes (the target, added p50 ≤ 0.15 ms and ≤ 1.3×, is not met: README,
 * "Tracing and shipping the cart"). `node --cpu-prof` on the bench's latency child
 * (`CART_BENCH_CHILD=xray:3000 node --cpu-prof --import tsx bench/cart.bench.ts`), time spent in
 * the SDK's and this backend's own frames over 3,505 traced requests, profiler on, load 7–12 on 2
 * cores: the UDP `send` syscall about half (0.97 s; the same send in a quiet loop costs 8–15 µs,
 * here it also pays for waking the receiving process), then serialization (`format`, `toJSON`,
 * `objectWithoutProperties`: 0.17 s), the v3 capture middleware's own work (0.17 s), the facade's
 * per-invocation trace-data reset (0.15 s, now cheaper), random ids for the two subsegments
 * (0.14 s), subsegment bookkeeping (the rest). No single step is large enough that removing it
 * halves the added cost; each remaining one is the SDK's object model itself.
 *
 * Rejected: patching the SDK's files (a fork to maintain), or writing segments without the SDK
 * (then this would not be the SDK backend; the OpenTelemetry backend is the SDK-free path).
 */
import { createSocket, type Socket } from 'node:dgram';
import type * as Capture from 'aws-xray-sdk-core/dist/lib/capture.js';
import type * as Logging from 'aws-xray-sdk-core/dist/lib/logger.js';
import type * as Aws3Patcher from 'aws-xray-sdk-core/dist/lib/patchers/aws3_p.js';
import type Subsegment from 'aws-xray-sdk-core/dist/lib/segments/attributes/subsegment.js';
import type SegmentClass from 'aws-xray-sdk-core/dist/lib/segments/segment.js';
import type * as SegmentUtils from 'aws-xray-sdk-core/dist/lib/segments/segment_utils.js';
import type * as Utils from 'aws-xray-sdk-core/dist/lib/utils.js';
import { ignoreAnnotations } from './tracing';
import { loadContextModule, useAsyncLocalStorage, type ContextModule } from './xray/als-context';
import { initLambdaMode, type FacadeParts } from './xray/lambda-facade';
import type { Annotate, AnnotationValue, Tracing, TracingLog } from './types/tracing';

type FacadeContext = FacadeParts['context'];

const PROTOCOL_HEADER = '{"format":"json","version":1}\n';

/** The parts of the SDK's emitter this module replaces or reads. */
interface Emitter {
  send(segment: { format(): string; trace_id?: string; id?: string }): void;
  daemonConfig: { udp_ip: string; udp_port: number };
}

/** A subsegment as the SDK's objects really are (the published types leave these out). */
type Root = { counter: number };
type LiveSubsegment = Omit<Subsegment, 'segment' | 'parent' | 'subsegments'> & {
  segment?: Root | undefined;
  in_progress?: boolean;
  parent?: { removeSubsegment?(child: unknown): void };
  subsegments?: LiveSubsegment[];
  counter: number;
};

interface Sdk {
  capture: typeof Capture;
  logging: typeof Logging;
  aws3: typeof Aws3Patcher;
  segmentUtils: typeof SegmentUtils;
  emitter: Emitter;
  Segment: typeof SegmentClass;
  utils: typeof Utils;
  TraceID: FacadeParts['TraceID'];
  context: ContextModule;
}

/** CommonJS modules: Node's ESM loader exposes `module.exports` as `default`, bundlers as the namespace. */
function cjs<T>(loaded: T & { default?: T }): T {
  return loaded.default ?? loaded;
}

let loadedSdk: Promise<Sdk> | undefined;

/**
 * Only the SDK files a Lambda function runs, imported by path: the SDK's entry (`aws-xray.js`)
 * also loads the v2 patcher (and with it `semver`), the HTTP and promise patchers and the
 * EC2/ECS/Beanstalk plugins, none of which a function here uses. The entry's own init is
 * repeated in {@link initialise}.
 */
function loadSdk(): Promise<Sdk> {
  loadedSdk ??= (async () => {
    // First, so every SDK file that loads after it shares its (AsyncLocalStorage) context.
    const context = await loadContextModule();
    useAsyncLocalStorage(context);
    const [capture, logging, aws3, segmentUtils, emitter, Segment, utils, TraceID] = await Promise.all([
      import('aws-xray-sdk-core/dist/lib/capture.js').then(cjs),
      import('aws-xray-sdk-core/dist/lib/logger.js').then(cjs),
      import('aws-xray-sdk-core/dist/lib/patchers/aws3_p.js').then(cjs),
      import('aws-xray-sdk-core/dist/lib/segments/segment_utils.js').then(cjs),
      import('aws-xray-sdk-core/dist/lib/segment_emitter.js').then((m) => cjs(m) as unknown as Emitter),
      import('aws-xray-sdk-core/dist/lib/segments/segment.js').then((m) =>
        cjs(m as unknown as typeof SegmentClass & { default?: typeof SegmentClass }),
      ),
      import('aws-xray-sdk-core/dist/lib/utils.js').then(cjs),
      import('aws-xray-sdk-core/dist/lib/segments/attributes/trace_id.js').then((m) =>
        cjs(m as unknown as FacadeParts['TraceID'] & { default?: FacadeParts['TraceID'] }),
      ),
    ]);
    const sdk = { capture, logging, aws3, segmentUtils, emitter, Segment, utils, TraceID, context };
    initialise(sdk);
    return sdk;
  })();
  return loadedSdk;
}

/** What `aws-xray.js` does on load (service data, Lambda mode), then the cheaper emitter. */
function initialise(sdk: Sdk): void {
  sdk.segmentUtils.setSDKData({
    sdk: 'X-Ray for Node.js',
    sdk_version: '3.12.0',
    package: 'aws-xray-sdk-core',
  });
  sdk.segmentUtils.setServiceData({
    runtime: process.release?.name ?? 'unknown',
    runtime_version: process.version,
    version: 'unknown',
    name: 'unknown',
  });
  if (process.env.LAMBDA_TASK_ROOT) {
    initLambdaMode({
      Segment: sdk.Segment,
      utils: sdk.utils,
      segmentUtils: sdk.segmentUtils,
      context: sdk.context as unknown as FacadeContext,
      TraceID: sdk.TraceID,
      warn: (message) => sdk.logging.getLogger().warn(message),
      error: (message) => sdk.logging.getLogger().error(message),
    });
  }
  const send = oneSocketSender(sdk);
  sdk.emitter.send = send;
}

/**
 * Replaces the SDK's `send`: one socket for the process, connected once to the daemon (so no
 * per-send address lookup), one serialization per document. Documents sent while the socket is
 * still connecting wait for it; a send that fails is logged, never thrown.
 */
function oneSocketSender(sdk: Sdk): Emitter['send'] {
  let socket: Socket | undefined;
  let waiting: Buffer[] | undefined = [];
  const report = (what: string, bytes: number) => (error: Error | null) => {
    if (!error) return;
    sdk.logging
      .getLogger()
      .error(
        (error as NodeJS.ErrnoException).code === 'EMSGSIZE'
          ? `Segment too large to send: ${what} (${bytes} bytes).`
          : `Error sending segment ${what}: ${error.message}`,
      );
  };
  const open = () => {
    const { udp_ip: host, udp_port: port } = sdk.emitter.daemonConfig;
    const created = createSocket('udp4').unref();
    created.on('error', (error) => report('(socket)', 0)(error));
    created.connect(port, host, () => {
      const queued = waiting ?? [];
      waiting = undefined;
      for (const message of queued) created.send(message, report('(queued)', message.length));
    });
    return created;
  };
  return (segment) => {
    socket ??= open();
    const message = Buffer.from(PROTOCOL_HEADER + segment.format());
    if (waiting) {
      waiting.push(message);
      return;
    }
    socket.send(
      message,
      report(`{"trace_id":"${segment.trace_id ?? ''}","id":"${segment.id ?? ''}"}`, message.length),
    );
  };
}

/** X-Ray SDK implementation. Set LAMBDA_TASK_ROOT and AWS_XRAY_DAEMON_ADDRESS before calling it. */
export async function createXRayTracing(log?: TracingLog): Promise<Tracing> {
  const sdk = await loadSdk();
  if (log) {
    sdk.logging.setLogger({
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn(message),
      error: (message: string) => log.error(message),
    });
  }
  return {
    enabled: true,
    withAnnotations: (name, fn) =>
      sdk.capture.captureAsyncFunc(name, async (subsegment?: Subsegment) => {
        // No subsegment means no segment to hang it on (the SDK has already said so): still serve.
        if (!subsegment) return fn(ignoreAnnotations);
        const live = subsegment as unknown as LiveSubsegment;
        const root = nestChildren(live);
        try {
          return await fn(annotator(subsegment));
        } catch (error) {
          subsegment.addError(error instanceof Error ? error : String(error));
          throw error;
        } finally {
          closeAsOneDocument(live, root);
        }
      }),
    captureClient: (client) => sdk.aws3.captureAWSClient(client),
  };
}

function annotator(subsegment: Subsegment): Annotate {
  return Object.assign((key: string, value: AnnotationValue) => subsegment.addAnnotation(key, value), {
    user: (id: string) => subsegment.addMetadata('enduser.id', id),
  });
}

/**
 * Gives the subsegment (and so every child the SDK adds under it, which inherits `segment`) a
 * root whose open-count is 0: the SDK streams a closing child only when its root's count is
 * above the streaming threshold (0 in Lambda), so children now stay nested. Everything else
 * (trace id, sampling decision) is read through to Lambda's facade segment.
 */
function nestChildren(subsegment: LiveSubsegment): Root | undefined {
  const facade = subsegment.segment;
  if (!facade) return undefined;
  subsegment.segment = Object.assign(Object.create(facade) as object, { counter: 0 });
  return facade;
}

function closeAsOneDocument(subsegment: LiveSubsegment, facade: Root | undefined): void {
  subsegment.close();
  if (!facade) return;
  // A child still open (a call left running) cannot travel inside this document: detach it,
  // and let the SDK stream it on its own when it ends (its parent_id still names this one).
  const open = (subsegment.subsegments ?? []).filter(
    (child) => child.in_progress === true || child.counter > 0,
  );
  for (const child of open) repoint(child, facade);
  if (open.length > 0)
    subsegment.subsegments = (subsegment.subsegments ?? []).filter((c) => !open.includes(c));
  subsegment.flush();
  subsegment.parent?.removeSubsegment?.(subsegment);
}

function repoint(entity: LiveSubsegment, facade: Root): void {
  entity.segment = facade;
  for (const child of entity.subsegments ?? []) repoint(child, facade);
}
