/**
 * Local X-Ray daemon: receives the UDP datagrams X-Ray SDKs send
 * (`{"format":"json","version":1}\n<segment document>`) and hands each document to the
 * segment sink (local/segment-sink.ts), which re-assembles its trace into the trace store.
 *
 * Point SDKs at it with `AWS_XRAY_DAEMON_ADDRESS=<address>` (set before the SDK loads).
 */
import { createSocket } from 'node:dgram';
import { createSegmentSink, type SegmentSink } from './segment-sink';
import { segmentDocumentSchema, type SegmentDocument } from './segments-to-trace';
import type { TraceStore } from './trace-store';

const HEADER = { format: 'json', version: 1 };

export interface XRayDaemonOptions {
  store: TraceStore;
  /** Shared with other sources of documents (the OTLP receiver); default: one of its own. */
  sink?: SegmentSink;
}

export interface XRayDaemon {
  /** `127.0.0.1:<port>`, the form `AWS_XRAY_DAEMON_ADDRESS` takes. */
  address: string;
  port: number;
  close(): Promise<void>;
  /** Documents accepted so far. */
  received(): number;
  /** Datagrams dropped, with the reason (bad header, not JSON, not a segment document). */
  rejected(): Array<{ reason: string; datagram: string }>;
}

export async function startXRayDaemon({
  store,
  sink = createSegmentSink(store),
}: XRayDaemonOptions): Promise<XRayDaemon> {
  const socket = createSocket('udp4');
  const rejected: Array<{ reason: string; datagram: string }> = [];
  let received = 0;

  socket.on('message', (message) => {
    const datagram = message.toString('utf8');
    const parsed = parseDatagram(datagram);
    if ('reason' in parsed) {
      rejected.push({ reason: parsed.reason, datagram });
      return;
    }
    const { document, traceId } = parsed;
    received += 1;
    sink.put({ ...document, trace_id: traceId });
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
    received: () => received,
    rejected: () => [...rejected],
  };
}

type Parsed = { document: SegmentDocument; traceId: string } | { reason: string };

export function parseDatagram(datagram: string): Parsed {
  const newline = datagram.indexOf('\n');
  if (newline < 0) return { reason: 'no header line' };
  const header = parseJson(datagram.slice(0, newline));
  if (!isHeader(header)) return { reason: `unexpected header ${datagram.slice(0, newline)}` };
  const body = parseJson(datagram.slice(newline + 1));
  if (body === undefined) return { reason: 'segment is not JSON' };
  const result = segmentDocumentSchema.safeParse(body);
  if (!result.success) return { reason: `not a segment document: ${result.error.issues[0]?.message ?? ''}` };
  const traceId = result.data.trace_id;
  if (traceId === undefined) return { reason: 'segment document has no trace_id' };
  return { document: result.data, traceId };
}

function isHeader(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>).format === HEADER.format &&
    (value as Record<string, unknown>).version === HEADER.version
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
