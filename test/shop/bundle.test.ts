/**
 * The bundle is what ships: build an entry exactly as the stack does (ESM, minified, SDK inside)
 * and run it in a fresh Node process in Lambda mode. Catches what source-level tests cannot:
 * CommonJS dependencies that break in an ESM bundle, the X-Ray SDK missing at runtime, a JSON
 * import left behind.
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CART_TABLE_KEYS } from '../../functions/cart/cart-store';
import { shopEsbuildOptions } from '../../infra/shop-stack';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import { apiEvent, lambdaContext } from './fixtures';
import { newTraceHeader, startTestDaemon, type TestDaemon } from './xray-daemon';

const run = promisify(execFile);
const TABLE = 'bundle-carts';
let dir: string;
let db: LocalDynamoDb;
let idp: LocalIdentity;
let daemon: TestDaemon;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shop-bundle-'));
  [db, idp, daemon] = await Promise.all([
    startLocalDynamoDb({ tables: [{ name: TABLE, ...CART_TABLE_KEYS }] }),
    startLocalIdentity(),
    startTestDaemon(),
  ]);
});
afterAll(async () => {
  await Promise.all([
    db?.close(),
    idp?.close(),
    daemon?.close(),
    dir && rm(dir, { recursive: true, force: true }),
  ]);
});

describe('shop bundle', () => {
  it('loads and serves a traced request in a fresh process, with nothing but the bundle', async () => {
    const outfile = join(dir, 'list-cart', 'index.mjs');
    await build({ ...shopEsbuildOptions('list-cart', { bundleAwsSdk: true }), outfile });
    const trace = newTraceHeader();
    const event = apiEvent({
      token: idp.idToken({ sub: 'b0000000-0000-4000-8000-000000000001', username: 'bob' }),
    });
    const script = `
      const { handler } = await import(${JSON.stringify(outfile)});
      const result = await handler(JSON.parse(process.env.EVENT), JSON.parse(process.env.CONTEXT));
      process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      // The bundle runs outside the repo: it cannot fall back on node_modules.
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ...db.env,
        ...idp.env,
        TABLE_NAME: TABLE,
        LAMBDA_TASK_ROOT: dir,
        AWS_XRAY_DAEMON_ADDRESS: daemon.address,
        _X_AMZN_TRACE_ID: trace.header,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        EVENT: JSON.stringify(event),
        CONTEXT: JSON.stringify(lambdaContext()),
      },
    });
    const result = JSON.parse(/RESULT (.*)/.exec(stdout)?.[1] ?? 'null') as {
      statusCode: number;
      body: string;
    };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ products: [] });
    const annotations = await daemon.waitFor(trace.root, 'annotations');
    expect(annotations.annotations).toEqual({
      operation: 'cart.list',
      generated_cart: true,
      username: 'bob',
    });
    expect(daemon.documents(trace.root).some((doc) => doc.name === 'DynamoDB')).toBe(true);
  });
});
