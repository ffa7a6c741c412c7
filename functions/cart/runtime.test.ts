import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors';
import { cartRuntime } from './cart-runtime';
import { lambdaHandler } from './runtime';
import type { ShopHandler } from './route';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

describe('cartRuntime', () => {
  it('reports every missing variable in one ConfigError', async () => {
    const failure = await cartRuntime({ ALLOWED_ORIGIN: 'nope' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    const problems = (failure as ConfigError).problems.join('\n');
    for (const name of ['TABLE_NAME', 'USER_POOL_CLIENT_ID', 'ALLOWED_ORIGIN'])
      expect(problems).toContain(name);
  });
});

describe('lambdaHandler', () => {
  it('turns an init failure into a failed invocation instead of an unhandled rejection', async () => {
    const handler = lambdaHandler(Promise.reject(new ConfigError(['TABLE_NAME: required'])));
    await expect(handler({} as APIGatewayProxyEvent, {} as Context)).rejects.toThrow(/TABLE_NAME/);
  });

  it('serves with the handler once it is ready', async () => {
    const inner: ShopHandler = async () => ({ statusCode: 204, body: '' });
    await expect(
      lambdaHandler(Promise.resolve(inner))({} as APIGatewayProxyEvent, {} as Context),
    ).resolves.toEqual({
      statusCode: 204,
      body: '',
    });
  });
});
