/**
 * One line of a trace file → the traces it holds, or why it holds none. The shape is detected
 * per line, so files of either kind (and concatenations of both) read the same way:
 *
 * | the line is                                           | recognised by              | becomes            |
 * |-------------------------------------------------------|----------------------------|--------------------|
 * | a `TraceSummary` as GetTraceSummaries returns it       | `Id` and `StartTime`       | one trace          |
 * | a GetTraceSummaries response page                     | a `TraceSummaries` array   | one per summary    |
 * | a trace of the local pipeline (`out/traces.jsonl`)    | `id` and `startTime`       | one trace          |
 *
 * `StartTime` is epoch seconds on the wire and an ISO string when an SDK result was written
 * with `JSON.stringify`; both are accepted. Each trace carries both views the backtest needs:
 * the filter engine's `Trace` and the `TraceSummary` the notifier's aggregation reads.
 *
 * Validation covers every field the filter engine and the aggregation read, with zod, so a
 * wrong type is reported with its path instead of surfacing as a wrong count. Rejected: zod on
 * the whole summary model (strict, every documented field): a newer API field would then make
 * whole files unreadable.
 */
import type { TraceSummary } from '@aws-sdk/client-xray';
import { z } from 'zod';
import { toTraceSummary } from '../../../local/xray-server';
import { traceFromSummary, traceInputSchema, type Trace } from '../../../rules/filter';

/** A trace as the backtest reads it. */
export interface TraceRecord {
  /** What filter expressions are evaluated on. */
  trace: Trace;
  /** What the notifier's aggregation reads (StartTime as a Date, as the SDK gives it). */
  summary: () => TraceSummary;
}

export type LineResult =
  { ok: true; kind: 'summary' | 'trace'; records: TraceRecord[] } | { ok: false; reason: string };

const optionalString = z.string().optional();
const optionalBool = z.boolean().optional();
const optionalNumber = z.number().optional();

const serviceIdSchema = z.looseObject({
  Name: optionalString,
  Names: z.array(z.string()).optional(),
  AccountId: optionalString,
  Type: optionalString,
});

const rootCauseSchema = z.looseObject({
  ClientImpacting: optionalBool,
  Services: z
    .array(
      serviceIdSchema.extend({
        Inferred: optionalBool,
        EntityPath: z
          .array(
            z.looseObject({
              Name: optionalString,
              Remote: optionalBool,
              Coverage: optionalNumber,
              Exceptions: z
                .array(z.looseObject({ Name: optionalString, Message: optionalString }))
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

const summarySchema = z.looseObject({
  Id: z.string().min(1),
  StartTime: z.union([z.number().positive(), z.iso.datetime({ offset: true })]),
  Duration: optionalNumber,
  ResponseTime: optionalNumber,
  HasFault: optionalBool,
  HasError: optionalBool,
  HasThrottle: optionalBool,
  IsPartial: optionalBool,
  Http: z
    .looseObject({
      HttpURL: optionalString,
      HttpStatus: optionalNumber,
      HttpMethod: optionalString,
      UserAgent: optionalString,
      ClientIp: optionalString,
    })
    .optional(),
  Annotations: z
    .record(
      z.string(),
      z.array(
        z.looseObject({
          AnnotationValue: z
            .looseObject({
              StringValue: optionalString,
              NumberValue: optionalNumber,
              BooleanValue: optionalBool,
            })
            .optional(),
        }),
      ),
    )
    .optional(),
  Users: z.array(z.looseObject({ UserName: optionalString })).optional(),
  ServiceIds: z.array(serviceIdSchema).optional(),
  EntryPoint: serviceIdSchema.optional(),
  ResourceARNs: z.array(z.looseObject({ ARN: optionalString })).optional(),
  InstanceIds: z.array(z.looseObject({ Id: optionalString })).optional(),
  AvailabilityZones: z.array(z.looseObject({ Name: optionalString })).optional(),
  FaultRootCauses: z.array(rootCauseSchema).optional(),
  ErrorRootCauses: z.array(rootCauseSchema).optional(),
  ResponseTimeRootCauses: z.array(rootCauseSchema).optional(),
});

type SummaryLine = z.output<typeof summarySchema>;

/** Parses one non-blank line. Never throws. */
export function parseTraceLine(line: string): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `a JSON ${Array.isArray(value) ? 'array' : typeof value}, not an object` };
  }
  const object = value as Record<string, unknown>;
  if (Array.isArray(object['TraceSummaries'])) return fromPage(object['TraceSummaries']);
  if ('Id' in object || 'StartTime' in object) {
    const summary = fromSummary(object);
    return 'reason' in summary ? summary : { ok: true, kind: 'summary', records: [summary] };
  }
  if ('id' in object || 'startTime' in object) return fromLocalTrace(object);
  return {
    ok: false,
    reason: 'neither a TraceSummary (Id, StartTime) nor a local pipeline trace (id, startTime)',
  };
}

function fromPage(items: unknown[]): LineResult {
  const records: TraceRecord[] = [];
  for (const [i, item] of items.entries()) {
    const record = fromSummary(item);
    if ('reason' in record) return { ok: false, reason: `TraceSummaries[${i}]: ${record.reason}` };
    records.push(record);
  }
  return { ok: true, kind: 'summary', records };
}

function fromSummary(value: unknown): TraceRecord | { ok: false; reason: string } {
  const parsed = summarySchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: `not a TraceSummary: ${describe(parsed.error)}` };
  const line = parsed.data;
  const startMs = startMillis(line.StartTime);
  const trace = traceFromSummary({ ...line, StartTime: startMs / 1000 });
  return { trace, summary: () => ({ ...(line as unknown as TraceSummary), StartTime: new Date(startMs) }) };
}

function startMillis(start: SummaryLine['StartTime']): number {
  return typeof start === 'number' ? start * 1000 : Date.parse(start);
}

/** The pipeline writes its traces with their segment documents; those are not needed here. */
function fromLocalTrace(object: Record<string, unknown>): LineResult {
  const { segments: _segments, ...rest } = object;
  const parsed = traceInputSchema.safeParse(rest);
  if (!parsed.success) return { ok: false, reason: `not a local pipeline trace: ${describe(parsed.error)}` };
  const data = parsed.data;
  if (data.id === undefined || data.id === '')
    return { ok: false, reason: 'not a local pipeline trace: no id' };
  if (!(data.startTime > 0))
    return { ok: false, reason: 'not a local pipeline trace: startTime must be positive' };
  const trace: Trace = { ...data, id: data.id };
  const summary = (): TraceSummary => {
    const wire = toTraceSummary(trace);
    return { ...(wire as unknown as TraceSummary), StartTime: new Date(trace.startTime * 1000) };
  };
  return { ok: true, kind: 'trace', records: [{ trace, summary }] };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${path ? `${path}: ` : ''}${issue.message}${more}`;
}
