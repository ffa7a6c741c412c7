/**
 * A trace file (JSON lines) as a source the replay can read twice: once to count every
 * trace, once more to aggregate only the lines it flagged. Streaming, so a file of millions
 * of traces never sits in memory; a malformed line is reported with its number and skipped,
 * and the rest is still read.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseTraceLine, type TraceRecord } from './trace-lines';

/** Malformed lines reported one by one; the rest are only counted. */
export const MAX_LINE_PROBLEMS_KEPT = 20;

export interface LineProblem {
  /** 1-based. */
  line: number;
  reason: string;
}

export interface ScanStats {
  lines: number;
  /** Lines with only whitespace: not traces, not problems. */
  blank: number;
  traces: number;
  /** Lines that held no usable trace. */
  skipped: number;
  byShape: { summary: number; trace: number };
  /** The first {@link MAX_LINE_PROBLEMS_KEPT} malformed lines. */
  problems: LineProblem[];
  /** Earliest and latest trace start, epoch ms (undefined without traces). */
  firstMs: number | undefined;
  lastMs: number | undefined;
}

/** Something the replay can scan, record by record, as often as it needs. */
export interface TraceSource {
  /** For messages and the report: a path, or "X-Ray". */
  readonly label: string;
  /**
   * Calls `visit` for every trace of every line, in file order; `line` is 1-based. With `only`,
   * lines it rejects are not parsed at all (and not counted as traces).
   */
  scan(
    visit: (record: TraceRecord, line: number) => void,
    only?: (line: number) => boolean,
  ): Promise<ScanStats>;
}

/** The file could not be read at all (missing, a directory, no permission). */
export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
}

export async function openTraceFile(path: string, label = path): Promise<TraceSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new TraceFileError(`cannot read ${label}: ${reason(error)}`, { cause: error });
  }
  if (!info.isFile()) throw new TraceFileError(`cannot read ${label}: not a file`);
  return { label, scan: (visit, only) => scanFile(path, label, visit, only) };
}

async function scanFile(
  path: string,
  label: string,
  visit: (record: TraceRecord, line: number) => void,
  only: ((line: number) => boolean) | undefined,
): Promise<ScanStats> {
  const stats: ScanStats = {
    lines: 0,
    blank: 0,
    traces: 0,
    skipped: 0,
    byShape: { summary: 0, trace: 0 },
    problems: [],
    firstMs: undefined,
    lastMs: undefined,
  };
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const text of lines) {
      const number = ++stats.lines;
      if (only !== undefined && !only(number)) continue;
      if (text.trim() === '') {
        stats.blank++;
        continue;
      }
      const parsed = parseTraceLine(text);
      if (!parsed.ok) {
        stats.skipped++;
        if (stats.problems.length < MAX_LINE_PROBLEMS_KEPT)
          stats.problems.push({ line: number, reason: parsed.reason });
        continue;
      }
      stats.byShape[parsed.kind] += parsed.records.length;
      for (const record of parsed.records) {
        stats.traces++;
        const ms = record.trace.startTime * 1000;
        if (stats.firstMs === undefined || ms < stats.firstMs) stats.firstMs = ms;
        if (stats.lastMs === undefined || ms > stats.lastMs) stats.lastMs = ms;
        visit(record, number);
      }
    }
  } catch (error) {
    throw new TraceFileError(`cannot read ${label}: ${reason(error)}`, { cause: error });
  } finally {
    lines.close();
    input.destroy();
  }
  return stats;
}

function reason(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = String(error.code);
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EISDIR') return 'a directory, not a file';
    if (code === 'EACCES') return 'permission denied';
  }
  return error instanceof Error ? error.message : String(error);
}
