/**
 * The bundle is what ships: build entries exactly as the stacks do (ESM, minified, SDK inside,
 * infra/constructs/bundling.ts's aliases and externals) and check two things source-level tests
 * cannot. What a bundle leaves out: the SDK's credential chain beyond `fromEnv`, the X-Ray SDK's
 * v2 patcher and `semver` (and its other unused files), and the tracing backend the deployment
 * does not use. And that what is left still serves a traced request in a fresh Node process,
 * in Lambda mode, with nothing but the bundle, in both backends.
 * (test/e2e/pipeline-bundled*.test.ts runs every function's bundle through the whole story.)
 */
import { build, type Metafile } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CART_TABLE_KEYS } from '../../functions/cart/cart-store';
import type { TracingBackend } from '../../functions/shared/tracing';
import { esbuildOptions } from '../../infra/constructs/bundling';
import { shopEsbuildOptions } from '../../infra/shop-stack';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import { startOtlpReceiver, type OtlpReceiver } from '../../local/otlp-receiver';
import type { SegmentDocument } from '../../local/segments-to-trace';
import { createTraceStore } from '../../local/trace-store';
import { apiEvent, lambdaContext } from './fixtures';
import { newTraceHeader, startTestDaemon, type TestDaemon } from './xray-daemon';

const run = promisify(execFile);
const TABLE = 'bundle-carts';
let dir: string;
let db: LocalDynamoDb;
let idp: LocalIdentity;
let daemon: TestDaemon;
let receiver: OtlpReceiver;
const spans: SegmentDocument[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shop-bundle-'));
  [db, idp, daemon, receiver] = await Promise.all([
    startLocalDynamoDb({ tables: [{ name: TABLE, ...CART_TABLE_KEYS }] }),
    startLocalIdentity(),
    startTestDaemon(),
    startOtlpReceiver({ store: createTraceStore(), sink: { put: (doc) => void spans.push(doc) } }),
  ]);
});
afterAll(async () => {
  await Promise.all([
    db?.close(),
    idp?.close(),
    daemon?.close(),
    receiver?.close(),
    dir && rm(dir, { recursive: true, force: true }),
  ]);
});

/** Packages (or files) no function runs; `left out` means no input of the bundle comes from them. */
const NEVER_BUNDLED = [
  '@aws-sdk/credential-provider-node/',
  '@aws-sdk/credential-provider-ini/',
  '@aws-sdk/credential-provider-sso/',
  '@aws-sdk/credential-provider-process/',
  '@aws-sdk/credential-provider-web-identity/',
  '@aws-sdk/credential-provider-http/',
  '@aws-sdk/token-providers/',
  '@smithy/credential-provider-imds/',
  'aws-xray-sdk-core/dist/lib/patchers/aws_p.js',
  'aws-xray-sdk-core/dist/lib/patchers/http_p.js',
  'aws-xray-sdk-core/dist/lib/segments/plugins/',
  'aws-xray-sdk-core/dist/lib/env/aws_lambda.js',
  'aws-xray-sdk-core/dist/lib/middleware/',
  'node_modules/semver/',
];
const BACKEND_FILES: Record<TracingBackend, string[]> = {
  xray: ['functions/shared/tracing-xray.ts', 'node_modules/aws-xray-sdk-core/', 'node_modules/cls-hooked/'],
  otel: ['functions/shared/tracing-otel.ts', 'node_modules/@opentelemetry/'],
};
const other = (tracing: TracingBackend): TracingBackend => (tracing === 'otel' ? 'xray' : 'otel');

async function bundle(name: string, tracing: TracingBackend, entryPath?: string) {
  const outfile = join(dir, tracing, name, 'index.mjs');
  const options = entryPath
    ? esbuildOptions(entryPath, { tracing })
    : shopEsbuildOptions(name, { bundleAwsSdk: true, tracing });
  const result = await build({ ...options, outfile, metafile: true, logLevel: 'error' });
  return { outfile, inputs: Object.keys((result.metafile as Metafile).inputs) };
}

const notifierEntry = fileURLToPath(new URL('../../functions/notifier/handler.ts', import.meta.url));

describe.each(['xray', 'otel'] as const)('bundles for the %s backend', (tracing) => {
  it.each([
    ['list-cart', undefined],
    ['notifier', notifierEntry],
  ])(
    '%s leaves out the credential chain, the unused X-Ray SDK files and the other backend',
    async (name, entry) => {
      const { inputs } = await bundle(name, tracing, entry);
      expect(inputs.length).toBeGreaterThan(50);
      // What the substitutes bring in instead, so the check below is not vacuous.
      expect(inputs.some((file) => file.includes('@aws-sdk/credential-provider-env/'))).toBe(true);
      expect(inputs.some((file) => file.endsWith('functions/shared/aws/credentials-from-env.ts'))).toBe(true);
      for (const wanted of BACKEND_FILES[tracing])
        expect(
          inputs.some((file) => file.includes(wanted)),
          wanted,
        ).toBe(true);
      const unwanted = [...NEVER_BUNDLED, ...BACKEND_FILES[other(tracing)]];
      expect(inputs.filter((file) => unwanted.some((part) => file.includes(part)))).toEqual([]);
    },
  );
});

interface Result {
  statusCode: number;
  body: string;
}

/** One request to a bundle in a fresh process that can only see the bundle (cwd outside the repo). */
async function serveOnce(
  outfile: string,
  env: Record<string, string>,
): Promise<{ trace: string; result: Result }> {
  const trace = newTraceHeader();
  const event = apiEvent({
    token: idp.idToken({ sub: 'b0000000-0000-4000-8000-000000000001', username: 'bob' }),
  });
  const script = `
    const { handler } = await import(${JSON.stringify(outfile)});
    const result = await handler(JSON.parse(process.env.EVENT), JSON.parse(process.env.CONTEXT))
      .catch((error) => ({ statusCode: 0, body: error.message }));
    process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      ...db.env,
      ...idp.env,
      TABLE_NAME: TABLE,
      LAMBDA_TASK_ROOT: dir,
      AWS_LAMBDA_FUNCTION_NAME: 'shop-list-cart',
      _X_AMZN_TRACE_ID: trace.header,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      EVENT: JSON.stringify(event),
      CONTEXT: JSON.stringify(lambdaContext()),
      ...env,
    },
  });
  return { trace: trace.root, result: JSON.parse(/RESULT (.*)/.exec(stdout)?.[1] ?? 'null') as Result };
}

describe('a bundle serves a traced request in a fresh process', () => {
  it('X-Ray SDK: one datagram, the DynamoDB call nested in the annotations', async () => {
    const { outfile } = await bundle('list-cart', 'xray');
    const { trace, result } = await serveOnce(outfile, {
      TRACING_BACKEND: 'xray',
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ products: [] });
    const annotations = await daemon.waitFor(trace, 'annotations');
    expect(annotations.annotations).toEqual({
      operation: 'cart.list',
      generated_cart: true,
      username: 'bob',
    });
    expect(daemon.documents(trace)).toHaveLength(1);
    expect(daemon.entities(trace).some((doc) => doc.name === 'DynamoDB')).toBe(true);
  });

  it('OpenTelemetry: the spans are at the OTLP endpoint when the handler returns', async () => {
    const { outfile } = await bundle('list-cart', 'otel');
    const { trace, result } = await serveOnce(outfile, {
      TRACING_BACKEND: 'otel',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesEndpoint,
    });
    expect(result.statusCode).toBe(200);
    const mine = spans.filter((doc) => doc.trace_id === trace);
    expect(mine.find((doc) => doc.name === 'annotations')?.annotations).toEqual({
      operation: 'cart.list',
      generated_cart: true,
      username: 'bob',
    });
    expect(mine.some((doc) => doc.name === 'DynamoDB' && doc.namespace === 'aws')).toBe(true);
  });

  it('a bundle asked for the backend it left out fails every request with a clear reason', async () => {
    const { outfile } = await bundle('list-cart', 'otel');
    const { result } = await serveOnce(outfile, {
      TRACING_BACKEND: 'xray',
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    });
    expect(result).toEqual({
      statusCode: 0,
      body: expect.stringContaining('TRACING_BACKEND: "xray" is not in this bundle'),
    });
  });
});
