/**
 * What the OpenTelemetry backend does when X-Ray's OTLP endpoint misbehaves: the request it
 * traces always gets its answer, the export resolves, and one log line says what went wrong.
 * Driven through the port (createOtelTracing) against a local HTTP server playing the endpoint.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOtelTracing } from '../tracing-otel';

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let reply: Reply = (_req, res) => res.end('{}');
const requests: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    requests.push({ headers: req.headers, body });
    reply(req, res, body);
  });
});
let endpoint: string;

const newLog = () => ({
  warn: vi.fn<(message: string) => void>(),
  error: vi.fn<(message: string) => void>(),
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'session',
    _X_AMZN_TRACE_ID: 'Root=1-6740f0a0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function tracingWith(log: ReturnType<typeof newLog>, url = endpoint) {
  return createOtelTracing(
    {
      AWS_REGION: 'eu-west-1',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300',
    },
    log,
  );
}

describe("exporting to X-Ray's OTLP endpoint", () => {
  it('posts OTLP/JSON signed with SigV4 for xray in the region, with the session token', async () => {
    reply = (_req, res) => res.end('{"partialSuccess":{}}');
    requests.length = 0;
    const log = newLog();
    const tracing = await tracingWith(log);
    await tracing.withAnnotations('annotations', async (annotate) => annotate('username', 'alice'));
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/xray\/aws4_request, SignedHeaders=[^,]*content-type[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-security-token']).toBe('session');
    const body = JSON.parse(request?.body ?? '{}') as {
      resourceSpans: Array<{
        scopeSpans: Array<{ spans: Array<{ traceId: string; parentSpanId: string }> }>;
      }>;
    };
    const span = body.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(span).toMatchObject({
      traceId: '6740f0a00123456789abcdef01234567',
      parentSpanId: '53995c3f42cd8ad8',
    });
    expect(log.warn).not.toHaveBeenCalled();
  });

  it.each<[string, Reply, RegExp]>([
    ['a 5xx', (_req, res) => ((res.statusCode = 503), res.end('slow down')), /answered 503: slow down/],
    ['a 403', (_req, res) => ((res.statusCode = 403), res.end('{"message":"denied"}')), /answered 403/],
    ['no answer', () => undefined, /no answer within 300 ms/],
  ])('%s: the request still succeeds, and the reason is logged', async (_case, answer, reason) => {
    reply = answer;
    const log = newLog();
    const tracing = await tracingWith(log);
    await expect(tracing.withAnnotations('annotations', async () => 'served')).resolves.toBe('served');
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(String(log.warn.mock.calls[0]?.[0])).toMatch(reason);
  });

  it('an unreachable endpoint: the request still succeeds, and the reason is logged', async () => {
    const log = newLog();
    const tracing = await tracingWith(log, 'http://127.0.0.1:9/v1/traces');
    await expect(tracing.withAnnotations('annotations', async () => 'served')).resolves.toBe('served');
    expect(String(log.warn.mock.calls[0]?.[0])).toMatch(
      /OTLP export of 1 span\(s\) failed: .*ECONNREFUSED|connect/,
    );
  });

  it('a handler error is rethrown unchanged even when the export fails too', async () => {
    reply = (_req, res) => ((res.statusCode = 500), res.end());
    const tracing = await tracingWith(newLog());
    const boom = new Error('boom');
    await expect(tracing.withAnnotations('annotations', () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('spans the endpoint accepted but dropped (partial success) are logged', async () => {
    reply = (_req, res) =>
      res.end('{"partialSuccess":{"rejectedSpans":"1","errorMessage":"trace id too old"}}');
    const log = newLog();
    const tracing = await tracingWith(log);
    await tracing.withAnnotations('annotations', async () => undefined);
    expect(String(log.warn.mock.calls[0]?.[0])).toMatch(/rejected 1 span\(s\): trace id too old/);
  });
});
