/**
 * Plumbing shared by the HTTP stand-ins: bind 127.0.0.1 on an ephemeral port, hand each
 * request to a handler with its whole body read, and close promptly even while SDK
 * clients still hold keep-alive sockets open. Also the AWS JSON error shape and the
 * "fail the next N calls" queue that every stand-in offers tests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type HttpHandler = (request: HttpRequest) => HttpReply | Promise<HttpReply>;

export interface RunningServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(handler: HttpHandler): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: HttpRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      Promise.resolve()
        .then(() => handler(request))
        // A bug in a stand-in must surface in the test that hit it, not hang the client.
        .catch((error: unknown): HttpReply => ({
          status: 500,
          headers: { 'content-type': 'text/plain' },
          body: `local stand-in failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        }))
        .then((reply) => {
          const body = reply.body ?? '';
          res.writeHead(reply.status, {
            'content-length': String(Buffer.byteLength(body)),
            ...reply.headers,
          });
          res.end(body);
        });
    });
  });
  // Node closes a keep-alive connection after 5 s idle; a client that reuses it at that moment
  // gets ECONNRESET. The gaps between a function's calls are wall time here, and on a loaded
  // machine (or while other invocations run, as under --chaos) they reach 5 s, so a stand-in
  // keeps idle connections as long as a run lasts instead.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep sockets alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      }),
  };
}

export function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

export type AwsJsonContentType =
  'application/json' | 'application/x-amz-json-1.0' | 'application/x-amz-json-1.1';

/**
 * An AWS JSON (1.0/1.1, REST-JSON) error. The SDK reads the error name from the
 * `x-amzn-ErrorType` header or the body's `__type`, depending on the protocol, so both
 * are set; `message` becomes the exception's message.
 */
export function awsJsonError(
  status: number,
  type: string,
  message: string,
  contentType: AwsJsonContentType = 'application/x-amz-json-1.1',
): HttpReply {
  return {
    status,
    headers: {
      'content-type': contentType,
      'x-amzn-errortype': type,
      'x-amzn-requestid': randomUUID(),
    },
    body: JSON.stringify({ __type: type, message }),
  };
}

export function awsJsonReply(
  value: unknown,
  contentType: AwsJsonContentType = 'application/x-amz-json-1.1',
): HttpReply {
  return jsonReply(200, value, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
}

/**
 * Operation named by `X-Amz-Target: <prefix>.<Operation>` (AWS JSON 1.0/1.1 protocols),
 * or undefined when the target belongs to another service.
 */
export function jsonRpcOperation(request: HttpRequest, targetPrefix: string): string | undefined {
  const target = header(request, 'x-amz-target');
  if (target === undefined || !target.startsWith(`${targetPrefix}.`)) return undefined;
  return target.slice(targetPrefix.length + 1);
}

export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface FaultOptions<C> {
  /** How many matching calls fail (default 1). */
  times?: number;
  /** Only calls this accepts consume the fault (e.g. one Slack method). */
  when?: (call: C) => boolean;
}

/** Faults queued by a test and consumed, in order, by the calls they match. */
export interface FaultQueue<F, C> {
  add(fault: F, options?: FaultOptions<C>): void;
  take(call: C): F | undefined;
  clear(): void;
  pending(): number;
}

export function createFaultQueue<F, C>(): FaultQueue<F, C> {
  const entries: Array<{ fault: F; remaining: number; when: ((call: C) => boolean) | undefined }> = [];
  return {
    add(fault, { times = 1, when } = {}) {
      if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer`);
      entries.push({ fault, remaining: times, when });
    },
    take(call) {
      const index = entries.findIndex((e) => e.when === undefined || e.when(call));
      const entry = entries[index];
      if (entry === undefined) return undefined;
      entry.remaining -= 1;
      if (entry.remaining === 0) entries.splice(index, 1);
      return entry.fault;
    },
    clear() {
      entries.length = 0;
    },
    pending() {
      return entries.reduce((sum, e) => sum + e.remaining, 0);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
