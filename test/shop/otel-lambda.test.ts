/**
 * The real entry handlers with the OpenTelemetry backend (TRACING_BACKEND=otel), exporting OTLP
 * over HTTP, signed, to the local X-Ray OTLP endpoint (local/otlp-receiver.ts), which converts
 * each span into the segment document X-Ray would store. The same guarantees as the X-Ray SDK
 * backend (test/shop/xray-lambda.test.ts), read from what X-Ray would hold: the `annotations`
 * subsegment carries operation, generated_cart and username as annotations (listed in
 * `aws.xray.annotations`), hangs under Lambda's function segment, survives a throwing handler with
 * the exception and the fault recorded, and a username never comes from a token that did not verify.
 * The environment is set before the entries are imported (vitest gives this file its own process).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CART_TABLE_KEYS } from '../../functions/cart/cart-store';
import type { ShopHandler } from '../../functions/cart/route';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startLocalIdentity, type LocalIdentity, type LocalUser } from '../../local/identity';
import { startOtlpReceiver, type OtlpReceiver } from '../../local/otlp-receiver';
import type { SegmentDocument } from '../../local/segments-to-trace';
import { createTraceStore } from '../../local/trace-store';
import {
  apiEvent,
  lambdaContext,
  PRUNES,
  STRAWBERRIES,
  withCapturedStderr,
  type EventOptions,
} from './fixtures';
import { newTraceHeader } from './xray-daemon';

const TABLE = 'otel-carts';
const received: SegmentDocument[] = [];
let receiver: OtlpReceiver;
let db: LocalDynamoDb;
let idp: LocalIdentity;
let handlers: { add: ShopHandler; list: ShopHandler; products: ShopHandler };

const alice: LocalUser = { sub: 'a11ce000-0000-4000-8000-000000000001', username: 'alice' };

beforeAll(async () => {
  [receiver, db, idp] = await Promise.all([
    startOtlpReceiver({
      store: createTraceStore(),
      sink: { put: (document) => void received.push(document) },
    }),
    startLocalDynamoDb({ tables: [{ name: TABLE, ...CART_TABLE_KEYS }] }),
    startLocalIdentity(),
  ]);
  Object.assign(process.env, db.env, idp.env, {
    TABLE_NAME: TABLE,
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'shop-cart',
    TRACING_BACKEND: 'otel',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesEndpoint,
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
  await Promise.all([receiver?.close(), db?.close(), idp?.close()]);
});

interface Invocation {
  root: string;
  parent: string;
  outcome: { statusCode: number; body: string } | Error;
  annotations: SegmentDocument;
  all: SegmentDocument[];
}

/**
 * One Lambda invocation with its own trace header. The backend exports before the handler
 * settles (Lambda freezes right after), so everything must already be at the endpoint.
 */
async function invoke(handler: ShopHandler, event: EventOptions): Promise<Invocation> {
  const { root, parent, header } = newTraceHeader();
  process.env._X_AMZN_TRACE_ID = header;
  const outcome = await handler(apiEvent(event), lambdaContext()).catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
  const all = received.filter((doc) => doc.trace_id === root);
  const annotations = all.find((doc) => doc.name === 'annotations');
  if (!annotations) throw new Error(`no annotations span for ${root} when the handler settled`);
  return { root, parent, outcome, annotations, all };
}

describe('annotations span on success', () => {
  it('becomes an annotations subsegment under the function segment, with the DynamoDB call nested in it', async () => {
    const run = await invoke(handlers.add, {
      method: 'POST',
      body: { productId: PRUNES },
      token: idp.idToken(alice),
      cartId: '5a1e0000-0000-4000-8000-000000000001',
    });
    expect(run.outcome).toMatchObject({ statusCode: 200 });
    expect(run.annotations).toMatchObject({
      type: 'subsegment',
      trace_id: run.root,
      parent_id: run.parent,
      annotations: { operation: 'cart.add', generated_cart: false, username: 'alice' },
      metadata: { default: { 'enduser.id': 'alice' } },
    });
    expect(run.annotations.fault).toBeUndefined();
    const dynamo = run.all.filter((doc) => doc.name === 'DynamoDB');
    expect(dynamo).toEqual([
      expect.objectContaining({
        type: 'subsegment',
        namespace: 'aws',
        parent_id: run.annotations.id,
        aws: expect.objectContaining({ operation: 'UpdateItem', table_name: TABLE }),
        http: { response: { status: 200 } },
      }),
    ]);
    expect(receiver.rejected()).toEqual([]);
  });

  it('says generated_cart true without a cookie; no enduser.id for an anonymous caller', async () => {
    const fresh = await invoke(handlers.list, {});
    expect(fresh.annotations.annotations).toEqual({
      operation: 'cart.list',
      generated_cart: true,
      username: 'anonymous',
    });
    expect(JSON.stringify(fresh.annotations)).not.toContain('enduser.id');
    expect(fresh.all.filter((doc) => doc.name === 'DynamoDB')).toEqual([]);
  });

  it('annotates product routes too (no cart, so no generated_cart)', async () => {
    const run = await invoke(handlers.products, { path: '/product', token: idp.idToken(alice) });
    expect(run.annotations.annotations).toEqual({ operation: 'product.list', username: 'alice' });
  });
});

describe('a username only from a verified token', () => {
  it.each([
    ['forged signature', () => idp.forged.wrongKey(alice)],
    ['expired', () => idp.forged.expired(alice)],
    ['alg: none', () => idp.forged.algNone(alice)],
  ])('%s → anonymous, and the claimed name appears nowhere in the trace', async (_case, mint) => {
    const run = await invoke(handlers.list, {
      token: mint(),
      cartId: '5a1e0000-0000-4000-8000-000000000003',
    });
    expect(run.annotations.annotations?.['username']).toBe('anonymous');
    expect(JSON.stringify(run.all)).not.toContain('alice');
  });
});

describe('when the handler throws', () => {
  it('still delivers the annotations, records the exception and faults the span', async () => {
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
    const { result: run } = await withCapturedStderr(() =>
      invoke(handlers.list, { token: idp.idToken(alice) }),
    );
    expect(run.outcome).toBeInstanceOf(Error);
    expect(run.annotations.annotations).toEqual({
      operation: 'cart.list',
      generated_cart: true,
      username: 'alice',
    });
    expect(run.annotations.fault).toBe(true);
    expect(run.annotations.cause).toMatchObject({ exceptions: [{ type: (run.outcome as Error).name }] });
  });

  it('makes a DynamoDB outage a fault on both the DynamoDB call and the annotations', async () => {
    await db.close();
    const { result: run } = await withCapturedStderr(() =>
      invoke(handlers.add, {
        method: 'POST',
        body: { productId: PRUNES },
        token: idp.idToken(alice),
        cartId: '5a1e0000-0000-4000-8000-000000000004',
      }),
    );
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
