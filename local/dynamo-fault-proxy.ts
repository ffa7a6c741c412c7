/**
 * An HTTP proxy in front of the local DynamoDB (dynalite) that breaks DynamoDB, not our code:
 * the cart functions' SDK points at it (`AWS_ENDPOINT_URL_DYNAMODB`), and while faults are set
 * - a request that touches a *failing* user's cart (its key `user#<sub>` is in the request body,
 *   on the carts table) is answered as DynamoDB answers an internal failure: HTTP 500 with the
 *   error type in `x-amzn-ErrorType` and `__type`;
 * - a request that touches a *slow* user's cart first advances the virtual clock (the time
 *   DynamoDB "took"), then is forwarded.
 * Everything else, including every other table (the alerts table), passes through untouched.
 *
 * Per request (`setRequestFault`): while set, *every* carts-table request is broken the given
 * way: errors (500 InternalServerError), throttling (400 ProvisionedThroughputExceededException,
 * DynamoDB's throttling answer), or latency (the clock advances, then it is forwarded). The
 * local pipeline sets it around the one invocation a scenario's fault breaks (Lambda runs one
 * request at a time per sandbox) and reads `takeHits()` after it: how many calls it broke,
 * which is how the ground truth knows the request did reach DynamoDB.
 */
import { request as httpRequest } from 'node:http';
import { awsJsonError, startHttpServer, type HttpReply, type HttpRequest } from './http-server';

/** DynamoDB's JSON 1.0 error type for a 500 (the SDK maps it to `InternalServerError`). */
export const INTERNAL_SERVER_ERROR = 'com.amazonaws.dynamodb.v20120810#InternalServerError';
/** DynamoDB's throttling error (HTTP 400). */
export const THROTTLED = 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException';

export type RequestFault = { kind: 'errors' } | { kind: 'throttling' } | { kind: 'latency'; ms: number };

export interface DynamoFaults {
  /** Cognito `sub`s whose cart requests fail. */
  failing: ReadonlySet<string>;
  /** Cognito `sub`s whose cart requests are slowed. */
  slow: ReadonlySet<string>;
  /** Virtual milliseconds a slowed request takes. */
  slowMs: number;
}

export interface DynamoFaultStats {
  forwarded: number;
  failed: number;
  slowed: number;
}

export interface DynamoFaultProxyOptions {
  /** dynalite's endpoint, `http://127.0.0.1:<port>`. */
  target: string;
  /** The only table whose requests may be faulted. */
  cartsTable: string;
  /** Moves the virtual clock forward (slow requests). */
  advanceClock: (ms: number) => void;
}

export interface DynamoFaultProxy {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_DYNAMODB`. */
  url: string;
  setFaults(faults: DynamoFaults): void;
  clearFaults(): void;
  /** Breaks every carts-table request until cleared (undefined). */
  setRequestFault(fault: RequestFault | undefined): void;
  /** Carts-table calls broken by the request fault since the last call. */
  takeHits(): number;
  stats(): DynamoFaultStats;
  close(): Promise<void>;
}

const NO_FAULTS: DynamoFaults = { failing: new Set(), slow: new Set(), slowMs: 0 };

export async function startDynamoFaultProxy(options: DynamoFaultProxyOptions): Promise<DynamoFaultProxy> {
  const target = new URL(options.target);
  let faults = NO_FAULTS;
  let requestFault: RequestFault | undefined;
  let hits = 0;
  const stats: DynamoFaultStats = { forwarded: 0, failed: 0, slowed: 0 };

  async function handle(request: HttpRequest): Promise<HttpReply> {
    const body = request.body.toString('utf8');
    if (requestFault && cartsTableRequest(body, options.cartsTable)) {
      hits += 1;
      if (requestFault.kind === 'errors') {
        stats.failed += 1;
        return awsJsonError(
          500,
          INTERNAL_SERVER_ERROR,
          'Internal server error',
          'application/x-amz-json-1.0',
        );
      }
      if (requestFault.kind === 'throttling') {
        stats.failed += 1;
        return awsJsonError(
          400,
          THROTTLED,
          'The level of configured provisioned throughput for the table was exceeded.',
          'application/x-amz-json-1.0',
        );
      }
      stats.slowed += 1;
      options.advanceClock(requestFault.ms);
      stats.forwarded += 1;
      return forward(target, request);
    }
    const sub = cartsTableRequest(body, options.cartsTable) ? touchedSub(body, faults) : undefined;
    if (sub !== undefined && faults.failing.has(sub)) {
      stats.failed += 1;
      return awsJsonError(500, INTERNAL_SERVER_ERROR, 'Internal server error', 'application/x-amz-json-1.0');
    }
    if (sub !== undefined && faults.slow.has(sub)) {
      stats.slowed += 1;
      options.advanceClock(faults.slowMs);
    }
    stats.forwarded += 1;
    return forward(target, request);
  }

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    setFaults(next) {
      faults = next;
    },
    clearFaults() {
      faults = NO_FAULTS;
    },
    setRequestFault(fault) {
      requestFault = fault;
    },
    takeHits() {
      const taken = hits;
      hits = 0;
      return taken;
    },
    stats: () => ({ ...stats }),
    close: server.close,
  };
}

function cartsTableRequest(body: string, table: string): boolean {
  return body.includes(`"TableName":${JSON.stringify(table)}`);
}

/** The faulted user whose partition key the request names, if any. */
function touchedSub(body: string, faults: DynamoFaults): string | undefined {
  for (const sub of [...faults.failing, ...faults.slow]) {
    if (body.includes(`user#${sub}`)) return sub;
  }
  return undefined;
}

/** Hop-by-hop headers describe this connection, not the request, and must not be forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function forward(target: URL, request: HttpRequest): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
    );
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: `${request.path}${request.query.size > 0 ? `?${request.query}` : ''}`,
        headers: { ...headers, host: target.host, 'content-length': String(request.body.length) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 502,
            headers: Object.fromEntries(
              Object.entries(response.headers).flatMap(([name, value]) =>
                value === undefined || HOP_BY_HOP.has(name) || name === 'content-length'
                  ? []
                  : [[name, Array.isArray(value) ? value.join(', ') : value]],
              ),
            ),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
