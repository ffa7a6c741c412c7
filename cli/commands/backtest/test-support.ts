/**
 * A shop's two hours as GetTraceSummaries would return them, one summary a line, built by hand
 * so the backtest's tests and golden files know exactly what is in it:
 *
 * - every minute, 8 quiet requests from a dozen signed-in shoppers and 2 anonymous ones;
 * - a flaky shopper, `dana`, faults twice in two consecutive minutes, three times (minutes
 *   20-21, 50-51, 80-81): with "2 of 3" each is an incident that hurt one user;
 * - an outage at minutes 100-105: `alice`, `bob`, `chen` and `dev` fault 3 times a minute,
 *   anonymous shoppers twice, and one trace a minute lost its username annotation.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DAY_START_MS = Date.parse('2026-11-20T08:00:00Z');
export const DAY_MINUTES = 120;
export const FLAKY_MINUTES = [20, 21, 50, 51, 80, 81];
export const OUTAGE_MINUTES = [100, 101, 102, 103, 104, 105];
export const OUTAGE_USERS = ['alice', 'bob', 'chen', 'dev'];
const SHOPPERS = Array.from({ length: 12 }, (_, i) => `shopper-${String(i + 1).padStart(2, '0')}`);

export interface SummaryOptions {
  atMs: number;
  /** `anonymous`, a username, or undefined for a trace whose annotation was lost. */
  user: string | undefined;
  fault?: boolean;
  responseTime?: number;
}

let sequence = 0;

/** A `TraceSummary` in the wire format (StartTime in epoch seconds). */
export function wireSummary({
  atMs,
  user,
  fault = false,
  responseTime = 0.08,
}: SummaryOptions): Record<string, unknown> {
  sequence += 1;
  const epoch = Math.floor(atMs / 1000);
  return {
    Id: `1-${epoch.toString(16)}-${sequence.toString(16).padStart(24, '0')}`,
    StartTime: atMs / 1000,
    Duration: responseTime,
    ResponseTime: responseTime,
    HasFault: fault,
    HasError: false,
    HasThrottle: false,
    IsPartial: false,
    Http: { HttpURL: 'https://shop.example.com/cart', HttpStatus: fault ? 502 : 200, HttpMethod: 'POST' },
    Annotations: user === undefined ? {} : { username: [{ AnnotationValue: { StringValue: user } }] },
    Users: [],
    ServiceIds: [{ Name: 'cart-add', Names: ['cart-add'], Type: 'AWS::Lambda::Function' }],
    ...(fault
      ? {
          FaultRootCauses: [
            { Services: [{ Name: 'DynamoDB', Names: ['DynamoDB'], Type: 'AWS::DynamoDB', EntityPath: [] }] },
          ],
        }
      : {}),
  };
}

export function shopDaySummaries(): Record<string, unknown>[] {
  sequence = 0;
  const out: Record<string, unknown>[] = [];
  for (let m = 0; m < DAY_MINUTES; m++) {
    const minute = DAY_START_MS + m * 60_000;
    for (let k = 0; k < 8; k++)
      out.push(wireSummary({ atMs: minute + k * 7_000, user: SHOPPERS[(m + k) % SHOPPERS.length] }));
    out.push(
      wireSummary({ atMs: minute + 3_000, user: 'anonymous' }),
      wireSummary({ atMs: minute + 33_000, user: 'anonymous' }),
    );
    if (FLAKY_MINUTES.includes(m)) {
      out.push(wireSummary({ atMs: minute + 10_000, user: 'dana', fault: true }));
      out.push(wireSummary({ atMs: minute + 40_000, user: 'dana', fault: true }));
    }
    if (OUTAGE_MINUTES.includes(m)) {
      for (const [u, user] of OUTAGE_USERS.entries()) {
        for (let k = 0; k < 3; k++)
          out.push(wireSummary({ atMs: minute + 2_000 + u * 500 + k * 15_000, user, fault: true }));
      }
      out.push(wireSummary({ atMs: minute + 5_000, user: 'anonymous', fault: true }));
      out.push(wireSummary({ atMs: minute + 45_000, user: 'anonymous', fault: true }));
      out.push(wireSummary({ atMs: minute + 25_000, user: undefined, fault: true }));
    }
  }
  // X-Ray returns newest first; the replay must not depend on order.
  return out.reverse();
}

/** Writes lines to a fresh temporary file and returns its path. */
export function writeTraceFile(
  lines: readonly (string | Record<string, unknown>)[],
  name = 'traces.jsonl',
): string {
  const dir = mkdtempSync(join(tmpdir(), 'backtest-'));
  const path = join(dir, name);
  writeFileSync(
    path,
    lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') +
      (lines.length > 0 ? '\n' : ''),
  );
  return path;
}
