/**
 * Incident histories for the digest's tests, goldens and local preview, written as small
 * scripts ("rule X fired at T, paged after 45 s, resolved after 38 min, hit these users").
 * A script is played either through the real incident store (tests on a local DynamoDB, the
 * preview) or through the store's own pure transitions (template goldens, no table), so both
 * produce the incidents the notifier would have recorded.
 */
import { ruleSet } from '../../rules';
import type { DigestConfig } from '../../rules/schema';
import type { Impact, Incident } from '../shared/incidents/model';
import type { IncidentStore } from '../shared/incidents/store';
import { clearSource, openIncident, type FiringEvent } from '../shared/incidents/transitions';
import type { DigestLogger } from './ports';

export interface IncidentScript {
  ruleId: string;
  severity: Incident['severity'];
  title: string;
  /** First event, ISO instant. */
  at: string;
  pagedAfterMs?: number;
  /** Omitted: still open. */
  resolvedAfterMs?: number;
  users?: readonly string[];
  /** Defaults to the number of `users`. */
  affectedUsers?: number;
  anonymousRequests?: number;
  partial?: boolean;
  /** Under sampling: the page's estimate of affected users. */
  estimate?: Impact['estimate'];
  silenced?: boolean;
  test?: boolean;
}

const SEC = 1_000;
const MIN = 60 * SEC;

function firing(script: IncidentScript): FiringEvent {
  const users = script.users ?? [];
  const impact: Impact = {
    affectedUsers: script.affectedUsers ?? users.length,
    anonymousRequests: script.anonymousRequests ?? 0,
    unattributedTraces: 0,
    totalTraces: users.length + (script.anonymousRequests ?? 0),
    faults: users.length,
    partial: script.partial ?? false,
    ...(script.estimate ? { estimate: script.estimate } : {}),
  };
  return {
    ruleId: script.ruleId,
    severity: script.severity,
    title: script.title,
    source: 'alarm',
    at: new Date(script.at),
    test: script.test ?? false,
    silenced: script.silenced ?? false,
    impact,
    users,
  };
}

const after = (script: IncidentScript, ms: number) => new Date(Date.parse(script.at) + ms);

/**
 * Plays scripts through the real store. Scripts of one rule must not overlap in time (one
 * incident per rule at a time, as in production); different rules are played concurrently.
 */
export async function seedIncidents(store: IncidentStore, scripts: readonly IncidentScript[]): Promise<void> {
  const lanes = new Map<string, IncidentScript[]>();
  for (const s of [...scripts].sort((a, b) => a.at.localeCompare(b.at))) {
    const lane = `${s.ruleId}#${s.test ? 'test' : 'real'}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), s]);
  }
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const script of lane) {
        // Reopen window 0: a later script of the same rule always opens a new incident.
        const { incident } = await store.openOrAttach(firing(script), 0);
        if (script.pagedAfterMs !== undefined)
          await store.markPaged(incident.id, after(script, script.pagedAfterMs));
        if (script.resolvedAfterMs !== undefined) {
          await store.resolveSource(
            script.ruleId,
            'alarm',
            after(script, script.resolvedAfterMs),
            script.test,
          );
        }
      }
    }),
  );
}

/** The same incidents without a table, from the store's pure transitions. */
export function incidentsFromScripts(scripts: readonly IncidentScript[]): Incident[] {
  return scripts.map((script) => {
    let incident = openIncident(firing(script));
    if (script.pagedAfterMs !== undefined) {
      incident = { ...incident, pagedAt: after(script, script.pagedAfterMs).toISOString() };
    }
    if (script.resolvedAfterMs !== undefined) {
      incident = clearSource(incident, 'alarm', after(script, script.resolvedAfterMs));
    }
    return incident;
  });
}

const title = (ruleId: string) => ruleSet.rules.find((r) => r.id === ruleId)?.title ?? ruleId;
const rule = (ruleId: string, severity: Incident['severity']) => ({ ruleId, severity, title: title(ruleId) });

const FAULTS = rule('registered-user-faults', 'page');
const SLOW = rule('slow-registered-users', 'ticket');
const ANON = rule('anonymous-users', 'info');
const REGISTERED = rule('registered-users', 'info');

/** A realistic week: the digest for it runs Monday 23 Nov 2026 08:00 London (GMT = UTC). */
export const SAMPLE_RUN_AT = new Date('2026-11-23T08:00:00Z');

export const SAMPLE_DIGEST: DigestConfig = {
  cadence: 'weekly',
  weekday: 'MON',
  hour: 8,
  timezone: 'Europe/London',
  recipients: ['managers@example.com'],
  nameUsers: false,
};

/** Week of Mon 16 – Sun 22 Nov 2026, and the week before (9 – 15 Nov). */
export function sampleHistory(): IncidentScript[] {
  return [
    // The week before: 4 incidents, 3 users, median time to resolve 40 min.
    {
      ...FAULTS,
      at: '2026-11-10T10:00:00Z',
      pagedAfterMs: 40 * SEC,
      resolvedAfterMs: 40 * MIN,
      users: ['alice', 'bob'],
    },
    {
      ...SLOW,
      at: '2026-11-12T13:00:00Z',
      pagedAfterMs: 3 * MIN,
      resolvedAfterMs: 60 * MIN,
      users: ['carol'],
    },
    { ...ANON, at: '2026-11-14T09:00:00Z', resolvedAfterMs: 20 * MIN, anonymousRequests: 60 },
    // Spans the boundary: counted last week (as open at its end), never this week.
    {
      ...FAULTS,
      at: '2026-11-15T23:50:00Z',
      pagedAfterMs: 20 * SEC,
      resolvedAfterMs: 30 * MIN,
      users: ['bob'],
    },

    // This week.
    {
      ...FAULTS,
      at: '2026-11-16T09:12:00Z',
      pagedAfterMs: 45 * SEC,
      resolvedAfterMs: 38 * MIN,
      users: ['alice', 'bob', 'carol'],
      anonymousRequests: 12,
    },
    {
      ...SLOW,
      at: '2026-11-16T14:30:00Z',
      pagedAfterMs: 2 * MIN,
      resolvedAfterMs: 70 * MIN,
      users: ['dave', 'erin'],
    },
    { ...ANON, at: '2026-11-17T03:05:00Z', resolvedAfterMs: 15 * MIN, anonymousRequests: 240 },
    {
      ...FAULTS,
      at: '2026-11-18T11:47:00Z',
      pagedAfterMs: 30 * SEC,
      resolvedAfterMs: 145 * MIN,
      users: ['alice', 'frank', 'grace', 'heidi'],
      affectedUsers: 9,
      anonymousRequests: 40,
      partial: true,
    },
    { ...SLOW, at: '2026-11-18T16:20:00Z', resolvedAfterMs: 50 * MIN, users: ['ivan'], silenced: true },
    {
      ...SLOW,
      at: '2026-11-19T10:00:00Z',
      resolvedAfterMs: 20 * MIN,
      users: ['bob', 'judy'],
      silenced: true,
    },
    { ...FAULTS, at: '2026-11-19T15:00:00Z', pagedAfterMs: 5 * SEC, resolvedAfterMs: 1 * MIN, test: true },
    { ...ANON, at: '2026-11-20T19:40:00Z', resolvedAfterMs: 25 * MIN, anonymousRequests: 85 },
    { ...REGISTERED, at: '2026-11-21T12:00:00Z', resolvedAfterMs: 5 * MIN, users: ['peggy'] },
    {
      ...FAULTS,
      at: '2026-11-22T22:10:00Z',
      pagedAfterMs: 90 * SEC,
      users: ['mallory', 'niaj', 'olivia'],
      anonymousRequests: 7,
    },
  ];
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown>[];
}

export function recordingLogger(): DigestLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, ...extra: Record<string, unknown>[]): void => {
      lines.push({ level, message, extra });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
