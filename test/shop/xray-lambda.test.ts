/**
 * The real entry handlers with the X-Ray SDK in Lambda mode, sending to a local UDP "daemon".
 * The SDK reads its environment when it is imported, so this file sets the environment first and
 * only then imports the entries (vitest runs each file in its own process: pool forks).
 *
 * What must hold, whatever happens in the handler: the `annotations` subsegment arrives with
 * operation, generated_cart and username; an exception is recorded on it and still faults the
 * invocation (the seed tutorial lost the annotations exactly then); a username never comes from
 * a token that did not verify.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CART_TABLE_KEYS } from '../../functions/cart/cart-store';
import type { ShopHandler } from '../../functions/cart/route';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startLocalIdentity, type LocalIdentity, type LocalUser } from '../../local/identity';
import {
  apiEvent,
  lambdaContext,
  PRUNES,
  STRAWBERRIES,
  withCapturedStderr,
  type EventOptions,
} from './fixtures';
import { newTraceHeader, startTestDaemon, type SegmentDocument, type TestDaemon } from './xray-daemon';

const TABLE = 'xray-carts';
let daemon: TestDaemon;
let db: LocalDynamoDb;
let idp: LocalIdentity;
let handlers: { add: ShopHandler; list: ShopHandler; products: ShopHandler };

const alice: LocalUser = { sub: 'a11ce000-0000-4000-8000-000000000001', username: 'alice' };

beforeAll(async () => {
  [daemon, db, idp] = await Promise.all([
    startTestDaemon(),
    startLocalDynamoDb({ tables: [{ name: TABLE, ...CART_TABLE_KEYS }] }),
    startLocalIdentity(),
  ]);
  Object.assign(process.env, db.env, idp.env, {
    TABLE_NAME: TABLE,
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'shop-cart',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    _X_AMZN_TRACE_ID: newTraceHeader().header,
    POWERTOOLS_SERVICE_NAME: 'shop',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const [add, list, products] = await Promise.all([
    import('../../functions/cart/entry/add-to-cart'),
    import('../../functions/cart/entry/list-cart'),
    import('../../functions/cart/entry/list-products'),
  ]);
  handlers = { add: add.handler, list: list.handler, products: products.handler };
});

afterAll(async () => {
  await Promise.all([daemon?.close(), db?.close(), idp?.close()]);
});

interface Invocation {
  root: string;
  parent: string;
  outcome: { statusCode: number; headers?: Record<string, unknown>; body: string } | Error;
  annotations: SegmentDocument;
  /** Every entity of the trace, nested subsegments lifted out. */
  all: SegmentDocument[];
  /** The datagrams sent. */
  sent: SegmentDocument[];
}

/** One Lambda invocation: its own trace header, then everything the SDK sent for that trace. */
async function invoke(handler: ShopHandler, event: EventOptions): Promise<Invocation> {
  const { root, parent, header } = newTraceHeader();
  process.env._X_AMZN_TRACE_ID = header;
  const outcome = await handler(apiEvent(event), lambdaContext()).catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
  const annotations = await daemon.waitFor(root, 'annotations');
  return { root, parent, outcome, annotations, all: daemon.entities(root), sent: daemon.documents(root) };
}

describe('annotations subsegment on success', () => {
  it('carries operation, generated_cart and the verified username; DynamoDB calls nest under it', async () => {
    const cartId = '5a1e0000-0000-4000-8000-000000000001';
    const run = await invoke(handlers.add, {
      method: 'POST',
      body: { productId: PRUNES },
      token: idp.idToken(alice),
      cartId,
    });
    expect(run.outcome).toMatchObject({ statusCode: 200 });
    expect(run.annotations).toMatchObject({
      type: 'subsegment',
      trace_id: run.root,
      parent_id: run.parent,
      annotations: { operation: 'cart.add', generated_cart: false, username: 'alice' },
    });
    expect(run.annotations.fault).toBeUndefined();
    expect(run.annotations.in_progress).toBeUndefined();
    const dynamo = run.all.filter((doc) => doc.name === 'DynamoDB');
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]).toMatchObject({
      namespace: 'aws',
      parent_id: run.annotations.id,
      aws: { operation: 'UpdateItem', table_name: TABLE },
      http: { response: { status: 200 } },
    });
    // Lambda emits the function segment itself; in Lambda mode the SDK sends subsegments only,
    // and here one document per request: the DynamoDB call travels nested in the annotations.
    expect(run.sent).toHaveLength(1);
    expect(run.sent[0]).toMatchObject({ type: 'subsegment', name: 'annotations', parent_id: run.parent });
    expect(run.sent[0]?.subsegments?.map((doc) => doc.name)).toEqual(['DynamoDB']);
    expect(run.annotations.metadata?.['default']?.['enduser.id']).toBe('alice');
    expect(daemon.malformed).toEqual([]);
  });

  it('says generated_cart true without a cookie and false with one', async () => {
    const fresh = await invoke(handlers.list, {});
    expect(fresh.annotations.annotations).toEqual({
      operation: 'cart.list',
      generated_cart: true,
      username: 'anonymous',
    });
    // A cart made up on this request has nothing to read: no table call at all.
    expect(fresh.all.filter((doc) => doc.name === 'DynamoDB')).toEqual([]);

    const returning = await invoke(handlers.list, { cartId: '5a1e0000-0000-4000-8000-000000000002' });
    expect(returning.annotations.annotations?.['generated_cart']).toBe(false);
    expect(returning.all.filter((doc) => doc.name === 'DynamoDB')).toHaveLength(1);
  });

  it('annotates product routes too (no cart, so no generated_cart)', async () => {
    const run = await invoke(handlers.products, { path: '/product', token: idp.idToken(alice) });
    expect(run.annotations.annotations).toEqual({ operation: 'product.list', username: 'alice' });
  });
});

describe('a username only from a verified token', () => {
  const forgeries: [string, () => string][] = [
    ['forged signature', () => idp.forged.wrongKey(alice)],
    ['expired', () => idp.forged.expired(alice)],
    ['wrong audience', () => idp.forged.wrongAudience(alice)],
    ['another pool', () => idp.forged.otherPool(alice)],
    ['alg: none', () => idp.forged.algNone(alice)],
    ['HS256 with the public key', () => idp.forged.algConfusion(alice)],
  ];

  it.each(forgeries)(
    '%s → anonymous, and the claimed name appears nowhere in the trace',
    async (_case, mint) => {
      const run = await invoke(handlers.list, {
        token: mint(),
        cartId: '5a1e0000-0000-4000-8000-000000000003',
      });
      expect(run.outcome).toMatchObject({ statusCode: 200 });
      expect(run.annotations.annotations?.['username']).toBe('anonymous');
      expect(JSON.stringify(run.all)).not.toContain('alice');
    },
  );
});

describe('when the handler throws (the seed tutorial lost its annotations here)', () => {
  it('still sends the annotations, records the exception and faults the invocation', async () => {
    // The seed's failure: one product in one user's cart breaks listing for that user only.
    // Here a corrupt line (the product copy is not an object) makes the list step throw.
    await db.doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: `user#${alice.sub}`,
          sk: `product#${STRAWBERRIES}`,
          quantity: 1,
          productDetail: 'half-eaten',
        },
      }),
    );
    const { result: run, lines } = await withCapturedStderr(() =>
      invoke(handlers.list, { token: idp.idToken(alice) }),
    );

    expect(run.outcome).toBeInstanceOf(Error);
    expect(run.annotations.annotations).toEqual({
      operation: 'cart.list',
      generated_cart: true,
      username: 'alice',
    });
    expect(run.annotations.fault).toBe(true);
    expect(run.annotations.cause?.exceptions?.[0]).toMatchObject({ type: (run.outcome as Error).name });
    expect(lines.find((line) => line['message'] === 'request failed')).toMatchObject({
      level: 'ERROR',
      xray_trace_id: run.root,
      username: 'alice',
    });
  });

  it('makes a DynamoDB outage a fault on both the DynamoDB call and the annotations', async () => {
    await db.close();
    const { result: run, lines } = await withCapturedStderr(() =>
      invoke(handlers.add, {
        method: 'POST',
        body: { productId: PRUNES },
        token: idp.idToken(alice),
        cartId: '5a1e0000-0000-4000-8000-000000000004',
      }),
    );
    expect(lines.find((line) => line['message'] === 'request failed')).toMatchObject({
      xray_trace_id: run.root,
      error: { name: 'DependencyError', cause: { code: 'ECONNREFUSED' } },
    });
    expect(run.outcome).toBeInstanceOf(Error);
    expect((run.outcome as Error).name).toBe('DependencyError');
    expect(run.annotations).toMatchObject({
      fault: true,
      annotations: { operation: 'cart.add', generated_cart: false, username: 'alice' },
      cause: { exceptions: [{ type: 'DependencyError', message: 'DynamoDB UpdateItem failed' }] },
    });
    const dynamo = run.all.filter((doc) => doc.name === 'DynamoDB');
    expect(dynamo.length).toBeGreaterThan(0);
    expect(dynamo.every((doc) => doc.fault === true && doc.parent_id === run.annotations.id)).toBe(true);
  });
});

describe('a call still running when the annotations subsegment closes', () => {
  it('sends the annotations at once and the call on its own when it ends, parented to them', async () => {
    const { createXRayTracing } = await import('../../functions/shared/tracing-xray');
    const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const tracing = await createXRayTracing();
    let finish: () => void = () => undefined;
    const slow = {
      handle: () =>
        new Promise((resolve) => {
          finish = () =>
            resolve({
              response: {
                statusCode: 200,
                headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'slow' },
                body: Buffer.from('{}'),
              },
            });
        }),
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    const client = tracing.captureClient(
      new DynamoDBClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        requestHandler: slow as never,
      }),
    );
    const { root, parent, header } = newTraceHeader();
    process.env._X_AMZN_TRACE_ID = header;
    let pending: Promise<unknown> = Promise.resolve();
    await tracing.withAnnotations('annotations', async (annotate) => {
      annotate('operation', 'left.running');
      pending = client.send(
        new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'x' }, sk: { S: 'y' } } }),
      );
      // Let the call reach the (slow) handler, so its subsegment is open when this one closes.
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const annotations = await daemon.waitFor(root, 'annotations');
    expect(annotations).toMatchObject({ parent_id: parent, annotations: { operation: 'left.running' } });
    expect(annotations.subsegments).toBeUndefined();
    finish();
    await pending;
    const call = await daemon.waitFor(root, 'DynamoDB');
    expect(daemon.documents(root).map((doc) => doc.name)).toEqual(['annotations', 'DynamoDB']);
    expect(call).toMatchObject({ parent_id: annotations.id, type: 'subsegment', namespace: 'aws' });
    expect(call.in_progress).toBeUndefined();
  });
});
