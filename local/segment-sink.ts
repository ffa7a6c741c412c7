/**
 * Where segment documents become traces: the UDP daemon (X-Ray SDK and the Lambda service's own
 * segments) and the OTLP receiver (OpenTelemetry spans, converted) both put documents here, so
 * one trace can mix both sources, as it does in AWS (Lambda's function segment arrives one way,
 * the function's spans the other). After each document the whole trace is re-assembled into the
 * trace store; the latest document per id wins, which keeps out-of-order and
 * `in_progress`-then-complete documents simple.
 */
import { nestSegments, segmentsToTrace, type SegmentDocument } from './segments-to-trace';
import type { TraceStore } from './trace-store';

export interface SegmentSink {
  /** Adds one document (its `trace_id` says which trace) and re-assembles that trace. */
  put(document: SegmentDocument & { trace_id: string }): void;
}

export function createSegmentSink(store: TraceStore): SegmentSink {
  const byTrace = new Map<string, Map<string, SegmentDocument>>();
  return {
    put(document) {
      const traceId = document.trace_id;
      // A trace the store no longer holds (a test cleared it) starts afresh.
      const known = store.get(traceId) ? byTrace.get(traceId) : undefined;
      const documents = known ?? new Map<string, SegmentDocument>();
      byTrace.set(traceId, documents);
      documents.set(document.id, document);
      const all = [...documents.values()];
      store.put(
        segmentsToTrace(all),
        nestSegments(all).map((d) => JSON.stringify(d)),
      );
    },
  };
}
