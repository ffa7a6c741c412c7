/**
 * The shop's cost of being traced, and of being shipped.
 *
 * Latency, like for like: the real list-cart handler (signed-in user, token verified, one Query),
 * timed from the call to one event-loop turn after it resolves (where UDP sends go out). One child
 * process per tracer, so no tracer's async hooks tax another's numbers; in each, the untraced
 * handler is measured first with nothing loaded, then the tracer is loaded (in Lambda mode, as in
 * Lambda) and the untraced handler (the baseline: same process, tracer's hooks installed) and the
 * traced one alternate in blocks, so drift lands on both alike. Wall time per request (p50, p99),
 * and CPU time per request (median over blocks), which other processes on the machine disturb
 * far less. Tracers:
 * - `X-Ray SDK`: functions/shared/tracing-xray.ts, one datagram per request to a UDP sink;
 * - `OTel`: functions/shared/tracing-otel.ts, one OTLP/JSON export per request to the local OTLP
 *   endpoint on loopback, awaited (in AWS that is an HTTPS round trip to the region instead);
 *   both receivers run in a process of their own (bench/cart-sink.ts), as in Lambda;
 * - `Powertools Tracer`: @aws-lambda-powertools/tracer on the same handler (annotations subsegment
 *   through its provider, its captureAWSv3Client), sending as the stock X-Ray SDK does.
 * DynamoDB is an in-memory stub at the HTTP-handler level: the whole SDK middleware stack (and the
 * tracing middleware) runs, but no socket, so the difference measured is tracing, not network.
 *
 * Shipping: every shop function bundled with the stack's esbuild options for each backend, sizes
 * against the 400 KB target; cold start as whole-process wall time of `node` importing a bundle,
 * and CPU time of `node` importing a bundle (its module init) against `node` starting bare, in the
 * same run (round-robin, median), ratio target 2.0×. CPU time is reported beside wall time
 * because on a shared machine wall time mostly measures the other processes. Variants
 * with the SDK external and with the full credential chain (no alias) show what each choice buys.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Tracing, TracingBackend } from '../functions/shared/tracing';
import { SHOP_FUNCTIONS, shopEsbuildOptions } from '../infra/shop-stack';
import { percentile, type BenchFigure, type BenchSuite } from './harness';

const here = dirname(fileURLToPath(import.meta.url));
/** Inside the repo so a bundle with the SDK external resolves it from node_modules, as Lambda's runtime would. */
const outRoot = join(here, '..', 'node_modules', '.cache', 'cart-bench');
const CHILD_FLAG = 'CART_BENCH_CHILD';

interface Variant {
  label: string;
  tracing: TracingBackend;
  bundleAwsSdk: boolean;
  /** Keep the SDK's whole credential chain (no alias): what the alias saves. */
  fullCredentialChain?: boolean;
}

const XRAY: Variant = { label: 'X-Ray SDK', tracing: 'xray', bundleAwsSdk: true };
const OTEL: Variant = { label: 'OTel', tracing: 'otel', bundleAwsSdk: true };
const EXTERNAL: Variant = { label: 'X-Ray SDK, AWS SDK external', tracing: 'xray', bundleAwsSdk: false };
const FULL_CHAIN: Variant = {
  label: 'X-Ray SDK, full credential chain',
  tracing: 'xray',
  bundleAwsSdk: true,
  fullCredentialChain: true,
};

async function bundle(entry: string, variant: Variant): Promise<{ file: string; bytes: number }> {
  const name = `${variant.tracing}-${variant.bundleAwsSdk ? 'bundled' : 'external'}${variant.fullCredentialChain ? '-fullchain' : ''}`;
  const dir = join(outRoot, name, entry);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  const options = shopEsbuildOptions(entry, variant);
  await build({
    ...options,
    ...(variant.fullCredentialChain && { alias: {} }),
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

interface ProcessCost {
  /** Spawn to exit. */
  wallMs: number;
  /** The process's CPU time (user + system, all threads) until it printed it, just before exit. */
  cpuMs: number;
}

const PRINT_CPU = 'process.stdout.write(JSON.stringify(process.cpuUsage()), () => process.exit(0));';
/** The baseline: `node -e 0`, plus printing its CPU time. */
const BARE = ['-e', PRINT_CPU];
/** A cold start's module work: import the bundle (its module init), then exit. */
const importArgs = (file: string) => [
  '--input-type=module',
  '-e',
  `await import(${JSON.stringify(file)}); ${PRINT_CPU}`,
];

/**
 * Compiles the bundle as an ES module (parse and compile, as `import` does first) and stops there:
 * no linking, no built-ins loaded, no module code run. `vm.SourceTextModule` needs
 * `--experimental-vm-modules`, which by itself costs nothing measurable at startup.
 */
const compileArgs = (file: string) => [
  '--experimental-vm-modules',
  '--no-warnings',
  '--input-type=module',
  '-e',
  `import { readFileSync } from 'node:fs'; import vm from 'node:vm'; new vm.SourceTextModule(readFileSync(${JSON.stringify(file)}, 'utf8')); ${PRINT_CPU}`,
];

/** A module importing exactly the Node built-ins the bundle imports statically, and nothing else. */
async function builtinsOnly(file: string): Promise<string> {
  const source = await readFile(file, 'utf8');
  const names = new Set([...source.matchAll(/from\s*"((?:node:)?[a-z_/0-9]+)"/g)].map((m) => m[1]!));
  const out = join(dirname(file), 'builtins-only.mjs');
  await writeFile(out, [...names].map((name) => `import ${JSON.stringify(name)};`).join('\n'));
  return out;
}

function processCost(args: string[], env: Record<string, string>): Promise<ProcessCost> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) return reject(new Error(`node ${args.join(' ')} exited ${status}`));
      const usage = JSON.parse(out) as { user: number; system: number };
      resolve({ wallMs: performance.now() - start, cpuMs: (usage.user + usage.system) / 1000 });
    });
  });
}

async function shippingFigures(quick: boolean): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const sizeTarget = { op: '<=' as const, value: 400 };
  const cart = (entry: string) => entry !== 'list-products' && entry !== 'get-product';
  for (const variant of [XRAY, OTEL, EXTERNAL]) {
    for (const spec of SHOP_FUNCTIONS) {
      figures.push({
        name: `bundle ${spec.entry} (${variant.label})`,
        value: (await bundle(spec.entry, variant)).bytes / 1024,
        unit: 'KB',
        ...(variant.bundleAwsSdk && cart(spec.entry) ? { target: sizeTarget } : {}),
      });
    }
  }
  const fullChain = await bundle('list-cart', FULL_CHAIN);
  figures.push({ name: `bundle list-cart (${FULL_CHAIN.label})`, value: fullChain.bytes / 1024, unit: 'KB' });

  const listCart = (await bundle('list-cart', XRAY)).file;
  const candidates: Array<{ name: string; file: string; args?: string[]; env?: Record<string, string> }> = [
    { name: 'list-products (X-Ray SDK)', file: (await bundle('list-products', XRAY)).file },
    { name: 'list-cart (X-Ray SDK)', file: listCart },
    { name: 'list-cart (OTel)', file: (await bundle('list-cart', OTEL)).file },
    { name: `list-cart (${EXTERNAL.label})`, file: (await bundle('list-cart', EXTERNAL)).file },
    { name: `list-cart (${FULL_CHAIN.label})`, file: fullChain.file },
    // Where a cart bundle's load goes (breakdown rows, no target): the Node built-ins it imports
    // alone; its source compiled but neither linked nor run; the bundle with tracing off (no
    // X-Ray SDK loaded at init).
    { name: 'breakdown: only the built-ins list-cart imports', file: await builtinsOnly(listCart) },
    { name: 'breakdown: list-cart compiled, not run', file: listCart, args: compileArgs(listCart) },
    {
      name: 'breakdown: list-cart (X-Ray SDK), tracing off',
      file: listCart,
      env: { ...LOAD_ENV, LAMBDA_TASK_ROOT: '', POWERTOOLS_TRACE_ENABLED: 'false' },
    },
  ];
  const bare: ProcessCost[] = [];
  const samples = candidates.map(() => [] as ProcessCost[]);
  // Round-robin, so a busy moment on the machine lands on every variant alike.
  for (let i = 0; i < (quick ? 5 : 15); i++) {
    bare.push(await processCost(BARE, {}));
    for (const [index, candidate] of candidates.entries())
      samples[index]!.push(
        await processCost(candidate.args ?? importArgs(candidate.file), candidate.env ?? LOAD_ENV),
      );
  }
  const median = (costs: ProcessCost[], key: keyof ProcessCost) =>
    percentile(
      costs.map((c) => c[key]),
      50,
    );
  const bareWall = median(bare, 'wallMs');
  const bareCpu = median(bare, 'cpuMs');
  figures.push({ name: 'cold start: bare node -e 0, wall (baseline)', value: bareWall, unit: 'ms' });
  figures.push({ name: 'cold start: bare node -e 0, CPU (baseline)', value: bareCpu, unit: 'ms' });
  for (const [index, candidate] of candidates.entries()) {
    const chosen =
      candidate.file.includes('-bundled') &&
      !candidate.name.includes('full') &&
      !candidate.name.startsWith('breakdown');
    const target = chosen ? { target: { op: '<=' as const, value: 2 } } : {};
    const wall = median(samples[index]!, 'wallMs');
    const cpu = median(samples[index]!, 'cpuMs');
    figures.push(
      { name: `cold start ${candidate.name}, wall`, value: wall, unit: 'ms', baseline: bareWall },
      {
        name: `cold start ratio ${candidate.name}, wall / bare`,
        value: wall / bareWall,
        unit: 'x',
        ...target,
      },
      { name: `cold start ${candidate.name}, CPU`, value: cpu, unit: 'ms', baseline: bareCpu },
      { name: `cold start ratio ${candidate.name}, CPU / bare`, value: cpu / bareCpu, unit: 'x', ...target },
    );
  }
  return figures;
}

interface Percentiles {
  p50: number;
  p99: number;
}

type Tracer = 'xray' | 'otel' | 'powertools';

interface LatencyResult {
  tracer: Tracer;
  iterations: number;
  /** Before any tracer was loaded. */
  bare: Percentiles;
  /** Untraced handler with the tracer loaded: the baseline. */
  untraced: Percentiles;
  traced: Percentiles;
  /**
   * CPU milliseconds per request (this process, all threads), median over blocks of 100: what the
   * request costs the machine, robust when other processes compete for the cores.
   */
  cpu: { untraced: number; traced: number };
  /** Documents (datagrams or exported spans) per traced request, counted after the timed loop. */
  sentPerCall: number;
}

const TRACERS: Array<{ tracer: Tracer; label: string }> = [
  { tracer: 'xray', label: 'X-Ray SDK' },
  { tracer: 'otel', label: 'OTel' },
  { tracer: 'powertools', label: 'Powertools Tracer' },
];

const percentiles = (sample: number[]): Percentiles => ({
  p50: percentile(sample, 50),
  p99: percentile(sample, 99),
});

async function latencyOf(tracer: Tracer, iterations: number): Promise<LatencyResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_FLAG]: `${tracer}:${iterations}`, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || !line) throw new Error(`latency child (${tracer}) failed (exit ${code})`);
  return JSON.parse(line) as LatencyResult;
}

async function latencyFigures(quick: boolean): Promise<BenchFigure[]> {
  const iterations = quick ? 1500 : 10_000;
  const figures: BenchFigure[] = [];
  for (const { tracer, label } of TRACERS) {
    const r = await latencyOf(tracer, iterations);
    const target = tracer === 'xray';
    figures.push(
      { name: `list-cart p50 untraced, nothing loaded [${label} run]`, value: r.bare.p50, unit: 'ms' },
      { name: `list-cart p50 untraced, ${label} loaded (baseline)`, value: r.untraced.p50, unit: 'ms' },
      {
        name: `list-cart p50 ${label}`,
        value: r.traced.p50,
        unit: 'ms',
        baseline: r.untraced.p50,
        ...(target ? { target: { op: '<=' as const, value: 1.3 * r.untraced.p50 } } : {}),
      },
      {
        name: `list-cart p50 added by ${label}`,
        value: r.traced.p50 - r.untraced.p50,
        unit: 'ms',
        ...(target ? { target: { op: '<=' as const, value: 0.15 } } : {}),
      },
      {
        name: `list-cart CPU per request, untraced, ${label} loaded (baseline)`,
        value: r.cpu.untraced,
        unit: 'ms',
      },
      {
        name: `list-cart CPU per request, ${label}`,
        value: r.cpu.traced,
        unit: 'ms',
        baseline: r.cpu.untraced,
        ...(target ? { target: { op: '<=' as const, value: 1.3 * r.cpu.untraced } } : {}),
      },
      {
        name: `list-cart CPU per request added by ${label}`,
        value: r.cpu.traced - r.cpu.untraced,
        unit: 'ms',
        ...(target ? { target: { op: '<=' as const, value: 0.15 } } : {}),
      },
      { name: `list-cart p99 untraced, ${label} loaded (baseline)`, value: r.untraced.p99, unit: 'ms' },
      { name: `list-cart p99 ${label}`, value: r.traced.p99, unit: 'ms', baseline: r.untraced.p99 },
      { name: `list-cart p99 added by ${label}`, value: r.traced.p99 - r.untraced.p99, unit: 'ms' },
      {
        name: `${tracer === 'otel' ? 'spans exported (one request)' : 'datagrams sent'} per traced request (${label})`,
        value: r.sentPerCall,
        unit: 'count',
      },
    );
  }
  return figures;
}

const suite: BenchSuite = {
  name: 'cart',
  async run({ quick }) {
    return [...(await latencyFigures(quick)), ...(await shippingFigures(quick))];
  },
};

export default suite;

// ---- latency child (runs only when spawned by latencyOf) ----

interface Sent {
  count(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Where the tracer sends, in another process (bench/cart-sink.ts): receiving in the measured
 * process would charge the receiver's work (UDP reads; HTTP, JSON and span conversion for OTLP)
 * to the traced request, which in Lambda happens elsewhere.
 */
async function startSink(tracer: Tracer): Promise<Sent & { env: Record<string, string> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./cart-sink.ts', import.meta.url))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`bench sink exited ${code}`)));
  });
  const { daemon, otlp, control } = JSON.parse(line) as { daemon: string; otlp: string; control: string };
  let counts = { datagrams: 0, spans: 0 };
  const refresh = async () => {
    counts = (await (await fetch(control)).json()) as typeof counts;
  };
  return {
    env:
      tracer === 'otel'
        ? { TRACING_BACKEND: 'otel', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlp }
        : { AWS_XRAY_DAEMON_ADDRESS: daemon },
    count: async () => {
      await refresh();
      return tracer === 'otel' ? counts.spans : counts.datagrams;
    },
    close: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function loadTracing(tracer: Tracer): Promise<Tracing> {
  if (tracer === 'xray') return (await import('../functions/shared/tracing-xray')).createXRayTracing();
  if (tracer === 'otel')
    return (await import('../functions/shared/tracing-otel')).createOtelTracing(process.env);
  const { Tracer: PowertoolsTracer } = await import('@aws-lambda-powertools/tracer');
  const powertools = new PowertoolsTracer({ serviceName: 'bench', captureHTTPsRequests: false });
  const ignore = Object.assign(() => undefined, { user: () => undefined });
  return {
    enabled: true,
    // The annotations subsegment the way a Powertools user writes it, through its provider.
    withAnnotations: (name, fn) =>
      powertools.provider.captureAsyncFunc(name, async (subsegment) => {
        if (!subsegment) return fn(ignore);
        try {
          return await fn(
            Object.assign(
              (key: string, value: string | number | boolean) => subsegment.addAnnotation(key, value),
              {
                user: (id: string) => subsegment.addMetadata('enduser.id', id),
              },
            ),
          );
        } catch (error) {
          subsegment.addError(error as Error);
          throw error;
        } finally {
          subsegment.close();
        }
      }) as ReturnType<typeof fn>,
    captureClient: (client) => powertools.captureAWSv3Client(client),
  };
}

async function latencyChild(tracer: Tracer, iterations: number): Promise<LatencyResult> {
  // Imported here, not at the top: the parent process must not load the handler graph.
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { createListCartHandler } = await import('../functions/cart/list-cart');
  const { createCatalog } = await import('../functions/cart/catalog');
  const { loadIdentityConfig } = await import('../functions/shared/config');
  const { createCognitoVerifier } = await import('../functions/shared/identity');
  const { createLogger } = await import('../functions/shared/logger');
  const { noTracing } = await import('../functions/shared/tracing');
  const { startLocalIdentity } = await import('../local/identity');
  const { apiEvent, lambdaContext, PRUNES } = await import('../test/shop/fixtures');

  const idp = await startLocalIdentity();
  const sink = await startSink(tracer);

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
      // A new trace header per invocation, as Lambda sets it (every variant, for parity).
      process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${i.toString(16).padStart(24, '0')};Parent=${(i + 1).toString(16).padStart(16, '0')};Sampled=1`;
      const start = performance.now();
      const response = await handler(event, context);
      // One event-loop turn inside the window: a fire-and-forget UDP send happens there, so its
      // cost is counted (and, as between Lambda invocations, no send backlog builds up).
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
  const bare: number[] = [];
  await measure(untracedHandler, warmup, []);
  await measure(untracedHandler, iterations, bare);

  // Lambda mode, set before the tracer is first imported (the SDKs read the environment then).
  Object.assign(process.env, {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    ...sink.env,
  });
  const tracing = await loadTracing(tracer);
  const tracedHandler = createListCartHandler({
    ...base,
    tracing,
    store: { doc: DynamoDBDocumentClient.from(tracing.captureClient(newClient())), tableName: 'bench-carts' },
  });
  await measure(tracedHandler, warmup, []);
  await measure(untracedHandler, warmup, []);
  const traced: number[] = [];
  const untraced: number[] = [];
  const tracedCpu: number[] = [];
  const untracedCpu: number[] = [];
  /** Wall times into `into`, and the block's CPU milliseconds per request into `cpu`. */
  const timedBlock = async (handler: typeof tracedHandler, n: number, into: number[], cpu: number[]) => {
    const before = process.cpuUsage();
    await measure(handler, n, into);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000 / n);
  };
  // Alternate in blocks so drift (GC, JIT) lands on both sides alike.
  const block = 100;
  for (let done = 0; done < iterations; done += block) {
    const n = Math.min(block, iterations - done);
    await timedBlock(tracedHandler, n, traced, tracedCpu);
    await timedBlock(untracedHandler, n, untraced, untracedCpu);
  }

  // What each traced call sends, counted once the sink has caught up.
  const sanityCalls = 5;
  for (let seen = -1; seen !== (await sink.count());) {
    seen = await sink.count();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const before = await sink.count();
  for (let i = 0; i < sanityCalls; i++) {
    await measure(tracedHandler, 1, []);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const sentPerCall = ((await sink.count()) - before) / sanityCalls;
  await sink.close();
  await idp.close();
  return {
    tracer,
    iterations,
    bare: percentiles(bare),
    untraced: percentiles(untraced),
    traced: percentiles(traced),
    cpu: { untraced: percentile(untracedCpu, 50), traced: percentile(tracedCpu, 50) },
    sentPerCall,
  };
}

const childSpec = process.env[CHILD_FLAG];
if (childSpec) {
  const [tracer, count] = childSpec.split(':') as [Tracer, string];
  latencyChild(tracer, Number(count)).then(
    // Exit once the line is flushed: idle keep-alive sockets would hold the process.
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
