/**
 * The shop's cost of being traced, and of being shipped.
 *
 * Latency: the real list-cart handler (signed-in user, token verified, one Query) untraced and
 * traced, timed from the call to one event-loop turn after it resolves (where the SDK's UDP
 * sends go out), in one child process: untraced first, before the X-Ray SDK is loaded (loading it
 * installs async hooks that tax every await in the process, traced or not), then traced with the
 * SDK in Lambda mode sending subsegments over UDP to a local sink, exactly as in Lambda. DynamoDB
 * is an in-memory stub at the HTTP-handler level: the whole SDK middleware stack (and the X-Ray
 * middleware) runs, but no socket, so the difference measured is tracing and not network noise.
 * The child keeps the Lambda-mode environment out of the bench runner's process.
 *
 * Shipping: every function bundled with the stack's esbuild options, AWS SDK inside and outside;
 * module load time of a bundle in a fresh `node` process (median of several).
 */
import { build } from 'esbuild';
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SHOP_FUNCTIONS, shopEsbuildOptions } from '../infra/shop-stack';
import { percentile, type BenchFigure, type BenchSuite } from './harness';

const here = dirname(fileURLToPath(import.meta.url));
/** Inside the repo so a bundle with the SDK external resolves it from node_modules, as Lambda's runtime would. */
const outRoot = join(here, '..', 'node_modules', '.cache', 'cart-bench');
const CHILD_FLAG = 'CART_BENCH_CHILD';
const run = promisify(execFile);

type Variant = { label: string; bundleAwsSdk: boolean; format: 'esm' | 'cjs' };
const VARIANTS: Variant[] = [
  { label: 'SDK bundled', bundleAwsSdk: true, format: 'esm' },
  { label: 'SDK external', bundleAwsSdk: false, format: 'esm' },
];
const CJS_VARIANT: Variant = { label: 'SDK bundled, CJS', bundleAwsSdk: true, format: 'cjs' };

async function bundle(entry: string, variant: Variant): Promise<{ file: string; bytes: number }> {
  const dir = join(outRoot, `${variant.format}-${variant.bundleAwsSdk ? 'bundled' : 'external'}`, entry);
  await mkdir(dir, { recursive: true });
  const file = join(dir, variant.format === 'esm' ? 'index.mjs' : 'index.cjs');
  const options = shopEsbuildOptions(entry, { bundleAwsSdk: variant.bundleAwsSdk });
  await build({
    ...options,
    ...(variant.format === 'cjs' && { format: 'cjs', mainFields: ['main', 'module'], banner: {} }),
    outfile: file,
    logLevel: 'error',
  });
  return { file, bytes: (await stat(file)).size };
}

/** Environment of a cold Lambda container with tracing on; nothing it points at needs to answer. */
const LOAD_ENV = {
  LAMBDA_TASK_ROOT: '/var/task',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench-carts',
  USER_POOL_ID: 'us-east-1_Bench1',
  USER_POOL_CLIENT_ID: 'bench-client',
  JWKS_URI: 'http://127.0.0.1:9/jwks.json',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** Milliseconds from `import()` to the module being evaluated, in a fresh process (node start-up excluded). */
async function moduleLoadMs(file: string): Promise<number> {
  const script = `const t0 = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t0)); process.exit(0);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...LOAD_ENV },
  });
  return Number(stdout);
}

async function shippingFigures(quick: boolean): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const sizeTarget = { op: '<=' as const, value: 300 };
  const sizeFigure = (entry: string, variant: Variant, bytes: number): BenchFigure => ({
    name: `bundle ${entry} (${variant.label})`,
    value: bytes / 1024,
    unit: 'KB',
    target: sizeTarget,
  });
  for (const variant of VARIANTS) {
    for (const spec of SHOP_FUNCTIONS)
      figures.push(sizeFigure(spec.entry, variant, (await bundle(spec.entry, variant)).bytes));
  }
  const cjs = await bundle('list-cart', CJS_VARIANT);
  figures.push(sizeFigure('list-cart', CJS_VARIANT, cjs.bytes));

  // Product functions never load the DynamoDB SDK, so one variant says all; list-cart in each.
  const candidates = [
    { name: 'list-products', file: (await bundle('list-products', VARIANTS[0]!)).file },
    ...VARIANTS.map(async (variant) => ({
      name: `list-cart (${variant.label})`,
      file: (await bundle('list-cart', variant)).file,
    })),
    { name: `list-cart (${CJS_VARIANT.label})`, file: cjs.file },
  ];
  const loads = await Promise.all(candidates);
  const samples = loads.map(() => [] as number[]);
  // Round-robin, so a busy moment on the machine lands on every variant alike.
  for (let i = 0; i < (quick ? 4 : 12); i++) {
    for (const [index, candidate] of loads.entries())
      samples[index]!.push(await moduleLoadMs(candidate.file));
  }
  for (const [index, candidate] of loads.entries()) {
    figures.push({
      name: `module load ${candidate.name}`,
      value: percentile(samples[index]!, 50),
      unit: 'ms',
    });
  }
  return figures;
}

interface Percentiles {
  p50: number;
  p99: number;
}

interface LatencyResult {
  iterations: number;
  untraced: Percentiles;
  traced: Percentiles;
  untracedAfterSdk: Percentiles;
  subsegmentsPerCall: number;
}

const percentiles = (sample: number[]): Percentiles => ({
  p50: percentile(sample, 50),
  p99: percentile(sample, 99),
});

async function latencyFigures(quick: boolean): Promise<BenchFigure[]> {
  const iterations = quick ? 1500 : 10_000;
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_FLAG]: String(iterations), POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || !line) throw new Error(`latency child failed (exit ${code})`);
  const { untraced, traced, untracedAfterSdk, ...result } = JSON.parse(line) as LatencyResult;
  return [
    { name: 'list-cart p50 untraced (baseline)', value: untraced.p50, unit: 'ms' },
    { name: 'list-cart p50 traced', value: traced.p50, unit: 'ms', baseline: untraced.p50 },
    {
      name: 'list-cart p50 added by tracing',
      value: traced.p50 - untraced.p50,
      unit: 'ms',
      target: { op: '<=', value: 1 },
    },
    { name: 'list-cart p99 untraced (baseline)', value: untraced.p99, unit: 'ms' },
    { name: 'list-cart p99 traced', value: traced.p99, unit: 'ms', baseline: untraced.p99 },
    { name: 'list-cart p99 added by tracing', value: traced.p99 - untraced.p99, unit: 'ms' },
    {
      name: 'list-cart p50 untraced, SDK loaded (async hooks)',
      value: untracedAfterSdk.p50,
      unit: 'ms',
      baseline: untraced.p50,
    },
    { name: 'subsegments sent per traced call', value: result.subsegmentsPerCall, unit: 'count' },
  ];
}

const suite: BenchSuite = {
  name: 'cart',
  async run({ quick }) {
    return [...(await latencyFigures(quick)), ...(await shippingFigures(quick))];
  },
};

export default suite;

// ---- latency child (runs only when spawned by latencyFigures) ----

async function latencyChild(iterations: number): Promise<LatencyResult> {
  // Imported here, not at the top: the parent process must not load the handler graph.
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { createListCartHandler } = await import('../functions/cart/list-cart');
  const { createCatalog } = await import('../functions/cart/catalog');
  const { loadIdentityConfig } = await import('../functions/shared/config');
  const { createCognitoVerifier } = await import('../functions/shared/identity');
  const { createLogger } = await import('../functions/shared/logger');
  const { createXRayTracing, noTracing } = await import('../functions/shared/tracing');
  const { startLocalIdentity } = await import('../local/identity');
  const { apiEvent, lambdaContext, PRUNES } = await import('../test/shop/fixtures');

  const idp = await startLocalIdentity();
  const sink = createSocket('udp4');
  let datagrams = 0;
  sink.on('message', () => datagrams++);
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', () => resolve()));

  const catalog = createCatalog();
  const product = catalog.get(PRUNES);
  // A DynamoDB Query answer with two lines, as the wire protocol carries it.
  const queryResponse = Buffer.from(
    JSON.stringify({
      Count: 2,
      ScannedCount: 2,
      Items: [1, 2].map((n) => ({
        sk: { S: `product#${PRUNES}${n}` },
        quantity: { N: String(n) },
        productDetail: {
          M: { name: { S: product?.name ?? 'x' }, price: { N: String(product?.price ?? 1) } },
        },
      })),
    }),
  );
  const stubHandler = {
    handle: async () => ({
      response: {
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'bench' },
        body: queryResponse,
      },
    }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const newClient = () =>
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      requestHandler: stubHandler,
    });

  const verifier = createCognitoVerifier(loadIdentityConfig(idp.env));
  await verifier.hydrate();
  const base = {
    logger: createLogger({ serviceName: 'bench', logLevel: 'WARN' }),
    verifier,
    http: { allowedOrigin: undefined },
    now: () => new Date(),
    newCartId: () => '00000000-0000-4000-8000-000000000000',
    catalog,
  };
  const event = apiEvent({ token: idp.idToken({ sub: 'bench-user', username: 'bench' }) });
  const context = lambdaContext('bench');

  async function measure(
    handler: ReturnType<typeof createListCartHandler>,
    count: number,
    into: number[],
  ): Promise<void> {
    for (let i = 0; i < count; i++) {
      // A new trace header per invocation, as Lambda sets it (both variants, for parity).
      process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${i.toString(16).padStart(24, '0')};Parent=${(i + 1).toString(16).padStart(16, '0')};Sampled=1`;
      const start = performance.now();
      const response = await handler(event, context);
      // One event-loop turn inside the window: the SDK's fire-and-forget UDP send happens there,
      // so its cost is counted (and, as between Lambda invocations, no send backlog builds up).
      await new Promise((resolve) => setImmediate(resolve));
      into.push(performance.now() - start);
      if (response.statusCode !== 200) throw new Error(`bench request failed: ${response.body}`);
    }
  }

  const warmup = Math.min(500, iterations);
  const untracedHandler = createListCartHandler({
    ...base,
    tracing: noTracing,
    store: { doc: DynamoDBDocumentClient.from(newClient()), tableName: 'bench-carts' },
  });
  const untraced: number[] = [];
  await measure(untracedHandler, warmup, []);
  await measure(untracedHandler, iterations, untraced);

  // Lambda mode, set before the SDK is first imported (it reads the environment then).
  process.env.LAMBDA_TASK_ROOT = '/var/task';
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${sink.address().port}`;
  const tracing = await createXRayTracing();
  const tracedHandler = createListCartHandler({
    ...base,
    tracing,
    store: { doc: DynamoDBDocumentClient.from(tracing.captureClient(newClient())), tableName: 'bench-carts' },
  });
  await measure(tracedHandler, warmup, []);
  const traced: number[] = [];
  const untracedAfterSdk: number[] = [];
  // Alternate in blocks so drift (GC, JIT) lands on both sides alike.
  const block = 100;
  for (let done = 0; done < iterations; done += block) {
    const n = Math.min(block, iterations - done);
    await measure(tracedHandler, n, traced);
    await measure(untracedHandler, n, untracedAfterSdk);
  }

  // What each traced call sends, counted once the sink has caught up: the SDK's UDP sends are
  // fire-and-forget, so the timed loop leaves a backlog that drains afterwards.
  const sanityCalls = 5;
  for (let seen = -1; seen !== datagrams;) {
    seen = datagrams;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  datagrams = 0;
  for (let i = 0; i < sanityCalls; i++) {
    await measure(tracedHandler, 1, []);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  sink.close();
  await idp.close();
  return {
    iterations,
    untraced: percentiles(untraced),
    traced: percentiles(traced),
    untracedAfterSdk: percentiles(untracedAfterSdk),
    subsegmentsPerCall: datagrams / sanityCalls,
  };
}

const childIterations = Number(process.env[CHILD_FLAG] ?? '0');
if (childIterations > 0) {
  latencyChild(childIterations).then(
    // Exit once the line is flushed: the idle keep-alive sockets of the SDK would hold the process.
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
