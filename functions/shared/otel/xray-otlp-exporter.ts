/**
 * An OTLP/HTTP span exporter for X-Ray's OTLP endpoint (`https://xray.<region>.amazonaws.com/v1/traces`),
 * which takes OTLP 1.x over HTTP only (no gRPC), as protobuf or JSON, and authenticates callers
 * with SigV4 (service `xray`); it needs CloudWatch Transaction Search on in the account
 * (docs/tracing-backends.md has the sources and what to configure).
 *
 * - Encoding: OTLP/JSON from `@opentelemetry/otlp-transformer` (the SDK's own serializer). JSON
 *   rather than protobuf so the local receiver (local/otlp-receiver.ts) reads exactly what is
 *   sent without a protobuf decoder; a cart request is a few KB either way.
 * - Signing: `@smithy/signature-v4`, the AWS SDK's signer, with credentials from the environment
 *   (Lambda puts the role's there), so nothing here needs the SDK's credential chain.
 * - Transport: one keep-alive connection reused across invocations; a connection the endpoint
 *   closed while the sandbox was frozen (ECONNRESET/EPIPE) is retried once on a fresh one.
 * - Failure: never thrown into the handler. The export resolves FAILED and the reason is logged
 *   once per export; a trace is lost, a request is not.
 *
 * Rejected: `@opentelemetry/exporter-trace-otlp-http`/`-proto`. Their headers are fixed (or
 * computed without the body), and SigV4 signs the body, so they cannot authenticate to X-Ray
 * without a collector in between (the ADOT layer's job, which costs an extension per function).
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createHash, createHmac, type Hash as NodeHash, type Hmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TracingLog } from '../types/tracing';

type SignerInit = ConstructorParameters<typeof SignatureV4>[0];

export interface XRayOtlpExporterOptions {
  /** Full URL of the traces endpoint (`…/v1/traces`). */
  endpoint: URL;
  region: string;
  credentials: SignerInit['credentials'];
  /** Whole export, signing to response. */
  timeoutMs: number;
  log?: TracingLog | undefined;
}

/** SHA-256 (and HMAC-SHA-256 when given a secret) on node:crypto, in the shape the signer takes. */
class Sha256 {
  private readonly hash: NodeHash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

interface Response {
  status: number;
  body: string;
}

export class XRayOtlpExporter implements SpanExporter {
  private readonly signer: SignatureV4;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly secure: boolean;

  constructor(private readonly options: XRayOtlpExporterOptions) {
    this.secure = options.endpoint.protocol === 'https:';
    this.signer = new SignatureV4({
      service: 'xray',
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256 as unknown as SignerInit['sha256'],
    });
    const agentOptions = { keepAlive: true, maxSockets: 2 };
    this.agent = this.secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.send(spans).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.options.log?.warn(`OTLP export of ${spans.length} span(s) failed: ${reason}`);
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(reason),
        });
      },
    );
  }

  async shutdown(): Promise<void> {
    this.agent.destroy();
  }

  async forceFlush(): Promise<void> {}

  private async send(spans: ReadableSpan[]): Promise<void> {
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) throw new Error('the spans could not be serialized');
    const response = await this.post(body).catch((error: unknown) => {
      if (!isStaleConnection(error)) throw error;
      return this.post(body);
    });
    if (response.status < 200 || response.status >= 300) {
      throw new Error(
        `${this.options.endpoint.href} answered ${response.status}: ${response.body.slice(0, 300)}`,
      );
    }
    const rejected = partialSuccess(response.body);
    if (rejected) this.options.log?.warn(`OTLP endpoint rejected ${rejected}`);
  }

  private async post(body: Uint8Array): Promise<Response> {
    const url = this.options.endpoint;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    return new Promise<Response>((resolve, reject) => {
      const send = this.secure ? httpsRequest : httpRequest;
      const req = send(
        url,
        { method: 'POST', headers: signed.headers, agent: this.agent, timeout: this.options.timeoutMs },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

function isStaleConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** OTLP's `partialSuccess`: spans the endpoint accepted the request for but dropped. */
function partialSuccess(body: string): string | undefined {
  if (!body.trim().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(body) as {
      partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown };
    };
    const rejected = Number(parsed.partialSuccess?.rejectedSpans ?? 0);
    if (!rejected) return undefined;
    return `${rejected} span(s): ${String(parsed.partialSuccess?.errorMessage ?? 'no reason given')}`;
  } catch {
    return undefined;
  }
}
