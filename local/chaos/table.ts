/**
 * The chaos runner's table (runner.ts): one row per seed, totals over all of them, and every
 * violation, one line each.
 */
import { renderTable } from '../../cli/table';
import type { ChaosSummary } from './pipeline';
import type { SlackBurst } from './plan';

/** One seed's outcome as the table shows it. */
export interface SeedResult {
  seed: number;
  exitCode: number;
  wallSeconds: number;
  chaos: ChaosSummary | undefined;
  /** Failed checks of the run, the chaos invariants included. */
  failed: Array<{ name: string; detail: string }>;
  /** When the run produced no summary (it crashed): its last output lines. */
  error?: string;
}

const BURST_LETTER: Record<SlackBurst['kind'], string> = { short: 's', long: 'l', sustained: 'S' };

export function seedRow(r: SeedResult): string[] {
  const i = r.chaos?.injected;
  const v = r.chaos?.verdict;
  const kills = i ? Object.values(i.kills).reduce((a, b) => a + b, 0) : 0;
  const violations = (v?.invariants ?? []).reduce((n, inv) => n + inv.violations.length, 0);
  const otherFailures = r.failed.filter((f) => !f.name.startsWith('chaos: ')).length;
  return [
    String(r.seed),
    i ? `${i.deliveries}/${i.events}` : '-',
    i ? String(i.duplicatedEvents) : '-',
    i ? String(i.overtaken) : '-',
    i ? String(i.concurrent) : '-',
    String(kills),
    i ? String(i.retries) : '-',
    i ? i.slackBursts.map((b) => BURST_LETTER[b.kind]).join('') : '-',
    i ? String(i.slack429s) : '-',
    i ? String(i.deferredRecords) : '-',
    v ? `${v.duplicateEmails.total}/${v.duplicateEmails.explained}` : '-',
    v ? String(v.pointerRoots) : '-',
    r.error ? 'crashed' : String(violations + otherFailures),
    `${r.wallSeconds}`,
  ];
}

export const HEADER = [
  'seed',
  'deliv/events',
  'copied',
  'overtaken',
  'together',
  'kills',
  'retries',
  'bursts',
  '429s',
  'deferred',
  'extra email/explained',
  'pointer roots',
  'violations',
  'wall s',
];

/** Totals over every run: the figures the README quotes. */
export function totals(results: readonly SeedResult[]): string {
  const ran = results.filter((r) => r.chaos);
  const sum = (f: (r: SeedResult) => number) => ran.reduce((n, r) => n + f(r), 0);
  const inj = (r: SeedResult) => r.chaos!.injected;
  const killsAt: Record<string, number> = {};
  for (const r of ran)
    for (const [at, n] of Object.entries(inj(r).killsAt)) killsAt[at] = (killsAt[at] ?? 0) + n;
  const bursts = { short: 0, long: 0, sustained: 0 };
  for (const r of ran) for (const b of inj(r).slackBursts) bursts[b.kind] += 1;
  const invariantRows = (ran[0]?.chaos?.verdict.invariants ?? []).map((inv, k) => {
    const per = ran.map((r) => r.chaos!.verdict.invariants[k]!);
    return [
      inv.title,
      String(per.reduce((n, p) => n + p.checked, 0)),
      String(per.filter((p) => p.violations.length > 0).length),
      String(per.reduce((n, p) => n + p.violations.length, 0)),
    ];
  });
  const lines = [
    `${results.length} runs (${results.length - ran.length} crashed), ${results.filter((r) => r.exitCode === 0).length} passed every check`,
    `injected: ${sum((r) => inj(r).events)} AWS events delivered ${sum((r) => inj(r).deliveries)} times ` +
      `(${sum((r) => inj(r).duplicatedEvents)} copied, ${sum((r) => inj(r).overtaken)} overtaken, ${sum((r) => inj(r).concurrent)} delivered together); ` +
      `${sum((r) => Object.values(inj(r).kills).reduce((a, b) => a + b, 0))} kills, ${sum((r) => inj(r).retries)} Lambda retries, ` +
      `${sum((r) => inj(r).deferredRecords)} deferred records, ${sum((r) => inj(r).deadLetters)} dead letters`,
    `kills by point: ${Object.entries(killsAt)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([at, n]) => `${at} ${n}`)
      .join(', ')}`,
    `Slack: ${bursts.short} short, ${bursts.long} long, ${bursts.sustained} sustained (10 min) 429 bursts; ${sum((r) => inj(r).slack429s)} calls answered 429`,
    `outages ${sum((r) => r.chaos!.verdict.outages)}; extra page emails ${sum((r) => r.chaos!.verdict.duplicateEmails.total)} ` +
      `(${sum((r) => r.chaos!.verdict.duplicateEmails.explained)} explained by a crash after SNS accepted); ` +
      `second roots rewritten as pointers ${sum((r) => r.chaos!.verdict.pointerRoots)}`,
    '',
    renderTable(['invariant', 'checked', 'runs violated', 'violations'], invariantRows),
  ];
  return lines.join('\n');
}

export function violations(results: readonly SeedResult[]): string[] {
  return results.flatMap((r) => [
    ...(r.error
      ? [`seed ${r.seed}: the run crashed (exit ${r.exitCode}): ${r.error.split('\n').slice(-5).join(' | ')}`]
      : []),
    ...r.failed.map((f) => `seed ${r.seed}: ${f.name}: ${f.detail}`),
  ]);
}
