/**
 * A stand-in X-Ray daemon for tests: a UDP socket on an ephemeral loopback port that parses what
 * the SDK sends (`{"format":"json","version":1}\n{segment document}`) and hands documents back by
 * trace id.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface SegmentDocument {
  id: string;
  name: string;
  trace_id: string;
  parent_id?: string;
  type?: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  annotations?: Record<string, string | number | boolean>;
  namespace?: string;
  aws?: Record<string, unknown>;
  http?: { response?: { status?: number } };
  cause?: { exceptions?: { message?: string; type?: string }[] };
  metadata?: Record<string, Record<string, unknown>>;
  subsegments?: SegmentDocument[];
}

export interface TestDaemon {
  readonly address: string;
  readonly malformed: string[];
  /** The documents (datagrams) received for a trace, as sent. */
  documents(traceId: string): SegmentDocument[];
  /**
   * Every segment and subsegment of a trace, nested ones lifted out with `parent_id` set to the
   * entity they were nested in (how X-Ray reads an inline subsegment).
   */
  entities(traceId: string): SegmentDocument[];
  /** Resolves once a subsegment called `name` for `traceId` has arrived. */
  waitFor(traceId: string, name: string, timeoutMs?: number): Promise<SegmentDocument>;
  close(): Promise<void>;
}

const HEADER = '{"format":"json","version":1}';

export async function startTestDaemon(): Promise<TestDaemon> {
  const socket = createSocket('udp4');
  const received: SegmentDocument[] = [];
  const malformed: string[] = [];
  socket.on('message', (message) => {
    const text = message.toString('utf8');
    const newline = text.indexOf('\n');
    if (newline < 0 || text.slice(0, newline) !== HEADER) {
      malformed.push(text);
      return;
    }
    received.push(JSON.parse(text.slice(newline + 1)) as SegmentDocument);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const documents = (traceId: string) => received.filter((doc) => doc.trace_id === traceId);
  const entities = (traceId: string) => documents(traceId).flatMap((doc) => flatten(doc));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    malformed,
    documents,
    entities,
    async waitFor(traceId, name, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = entities(traceId).find((doc) => doc.name === name);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no "${name}" subsegment for ${traceId} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function flatten(doc: SegmentDocument, parentId?: string): SegmentDocument[] {
  const { subsegments, ...own } = doc;
  const entity = parentId === undefined ? own : { ...own, parent_id: parentId };
  return [
    entity,
    ...(subsegments ?? []).flatMap((child) => flatten({ ...child, trace_id: doc.trace_id }, doc.id)),
  ];
}

/** A trace header as Lambda sets `_X_AMZN_TRACE_ID` for a sampled invocation. */
export function newTraceHeader(): { root: string; parent: string; header: string } {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const parent = randomBytes(8).toString('hex');
  return { root, parent, header: `Root=${root};Parent=${parent};Sampled=1` };
}
