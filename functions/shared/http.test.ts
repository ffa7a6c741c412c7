import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { BadRequestError, NotFoundError } from './errors';
import {
  bearerToken,
  cartCookie,
  corsHeaders,
  errorResponse,
  getCookie,
  getHeader,
  parseJsonBody,
} from './http';

const event = (over: Partial<APIGatewayProxyEvent>) =>
  ({ headers: {}, body: null, isBase64Encoded: false, ...over }) as APIGatewayProxyEvent;

function badRequest(fn: () => unknown): BadRequestError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error('expected a BadRequestError');
}

describe('headers and cookies', () => {
  it('finds headers whatever their case', () => {
    expect(getHeader(event({ headers: { COOKIE: 'a=1' } }), 'cookie')).toBe('a=1');
  });

  it('reads one cookie among several and decodes it', () => {
    const e = event({ headers: { Cookie: 'theme=dark; cartId=abc%20d; other=x' } });
    expect(getCookie(e, 'cartId')).toBe('abc d');
    expect(getCookie(e, 'missing')).toBeUndefined();
    expect(getCookie(event({ headers: { Cookie: 'cartId=%E0%A4%A' } }), 'cartId')).toBeUndefined();
  });

  it('accepts the raw token the sample frontend sends and the Bearer form', () => {
    expect(bearerToken(event({ headers: { Authorization: 'abc.def.ghi' } }))).toBe('abc.def.ghi');
    expect(bearerToken(event({ headers: { authorization: 'Bearer abc.def.ghi' } }))).toBe('abc.def.ghi');
    expect(bearerToken(event({ headers: { Authorization: '  ' } }))).toBeUndefined();
  });
});

describe('parseJsonBody', () => {
  const schema = z.object({ n: z.number().check(z.int()) });

  it('parses a valid body, plain or base64', () => {
    expect(parseJsonBody(event({ body: '{"n":3}' }), schema)).toEqual({ n: 3 });
    const encoded = Buffer.from('{"n":4}').toString('base64');
    expect(parseJsonBody(event({ body: encoded, isBase64Encoded: true }), schema)).toEqual({ n: 4 });
  });

  it('names the problem: missing, not JSON, too large, wrong shape', () => {
    expect(badRequest(() => parseJsonBody(event({ body: null }), schema)).code).toBe('body_required');
    expect(badRequest(() => parseJsonBody(event({ body: '{n:' }), schema)).code).toBe('invalid_json');
    expect(badRequest(() => parseJsonBody(event({ body: `"${'x'.repeat(20_000)}"` }), schema)).code).toBe(
      'body_too_large',
    );
    const shape = badRequest(() => parseJsonBody(event({ body: '{"n":1.5}' }), schema));
    expect(shape.code).toBe('invalid_input');
    expect(shape.issues).toEqual([{ path: 'n', message: expect.stringMatching(/int/) }]);
  });
});

describe('responses', () => {
  it('renders client errors as JSON with code, message and issues', () => {
    const response = errorResponse(new BadRequestError('invalid body', [{ path: 'q', message: 'bad' }]), {
      'X-A': '1',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-A': '1' });
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'bad_request', message: 'invalid body', issues: [{ path: 'q', message: 'bad' }] },
    });
    expect(JSON.parse(errorResponse(new NotFoundError('gone')).body)).toEqual({
      error: { code: 'not_found', message: 'gone' },
    });
  });

  it('issues the cart cookie so browsers send it cross-site but scripts cannot read it', () => {
    const cookie = cartCookie('id-1', 60);
    expect(cookie).toMatch(/^cartId=id-1;/);
    for (const attribute of ['Max-Age=60', 'Secure', 'HttpOnly', 'SameSite=None', 'Path=/']) {
      expect(cookie).toContain(attribute);
    }
  });

  it('sends CORS headers only for a configured origin', () => {
    expect(corsHeaders(undefined)).toEqual({});
    expect(corsHeaders('https://shop.example')).toMatchObject({
      'Access-Control-Allow-Origin': 'https://shop.example',
      'Access-Control-Allow-Credentials': 'true',
    });
  });
});
