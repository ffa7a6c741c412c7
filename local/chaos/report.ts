/**
 * How a chaos run's outcome reads: the lines `npm start -- --chaos <seed>` prints under its
 * summary, and the one check per invariant that decides its exit code (every violation is
 * listed, not only the first).
 */
import type { Check } from '../summary';
import type { ChaosSummary } from './pipeline';

/** One check per invariant; a violation fails the run (exit code 1). */
export function chaosChecks(chaos: ChaosSummary): Check[] {
  return chaos.verdict.invariants.map((inv) => ({
    name: `chaos: ${inv.title}`,
    ok: inv.violations.length === 0,
    detail: inv.violations.join('; '),
  }));
}

/** What the plan did, and every invariant with its violations, one per line. */
export function formatChaos(chaos: ChaosSummary): string[] {
  const i = chaos.injected;
  const kills = Object.entries(i.killsAt)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([at, n]) => `${n} ${at}`)
    .join(', ');
  const bursts = i.slackBursts
    .map(
      (b) =>
        `${b.kind} ${new Date(b.startMs).toISOString().slice(11, 19)} for ${Math.round((b.endMs - b.startMs) / 1000)} s (Retry-After ${b.retryAfterSeconds} s)`,
    )
    .join('; ');
  const lines = [
    `Chaos (seed ${chaos.seed}): ${i.events} AWS events, ${i.deliveries} deliveries (${i.duplicatedEvents} events copied, ${i.overtaken} overtaken, ${i.concurrent} delivered together, delays up to ${Math.round(i.maxDelayMs / 1000)} s)`,
    `  kills: ${kills || 'none'}; ${i.retries} Lambda retries; ${i.deferredRecords} deferred records; ${i.deadLetters} dead letters`,
    `  Slack 429 bursts: ${bursts || 'none'}; ${i.slack429s} calls answered 429`,
    `  outages ${chaos.verdict.outages}; extra page emails ${chaos.verdict.duplicateEmails.total} (${chaos.verdict.duplicateEmails.explained} after SNS had accepted one before a crash); second roots rewritten to point at the thread ${chaos.verdict.pointerRoots}`,
  ];
  for (const inv of chaos.verdict.invariants) {
    lines.push(`  ${inv.violations.length === 0 ? 'ok  ' : 'FAIL'} ${inv.title} (${inv.checked} checked)`);
    for (const v of inv.violations) lines.push(`       - ${v}`);
  }
  return lines;
}
