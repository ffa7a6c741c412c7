/**
 * The shipped rule beside its edited copy: how many pages each would have sent, which
 * incidents the edit keeps, drops or adds (incidents are the same when their ALARM spans
 * overlap), and whose pages would no longer name them. The headline reads like the question an
 * engineer asks: "would have paged 3 times instead of 11; 8 of the 11 hurt one user".
 */
import type { IncidentReport, RuleReport } from './report';

export interface ComparisonReport {
  ruleId: string;
  changes: string[];
  current: VariantTotals;
  edited: VariantTotals;
  /** Current incidents whose window held exactly one signed-in user. */
  currentOneUser: number;
  /** Current incidents the edited rule also has (overlapping in time). */
  kept: number;
  /** Current incidents the edited rule does not have, and how many of them hurt one user. */
  dropped: number;
  droppedOneUser: number;
  /** Edited incidents the current rule does not have. */
  added: number;
  /** Kept incidents the edited rule would page for more than once (it flaps where the shipped rule did not). */
  split: number;
  /** Users the current rule's pages name and the edited rule's do not, and the reverse. */
  usersNoLongerNamed: string[];
  usersNewlyNamed: string[];
  summary: string[];
}

export interface VariantTotals {
  pages: number;
  minutesInAlarm: number;
  usersNamed: number;
}

export function compareVariants(current: RuleReport, edited: RuleReport): ComparisonReport {
  const end = (i: IncidentReport) => Date.parse(i.resolvedAt ?? i.query.end);
  const overlaps = (a: IncidentReport, b: IncidentReport) =>
    Date.parse(a.pagedAt) < end(b) && Date.parse(b.pagedAt) < end(a);
  const keptIncidents = current.incidents.filter((a) => edited.incidents.some((b) => overlaps(a, b)));
  const droppedIncidents = current.incidents.filter((a) => !keptIncidents.includes(a));
  const added = edited.incidents.filter((b) => !current.incidents.some((a) => overlaps(a, b))).length;
  const split = keptIncidents.filter((a) => edited.incidents.filter((b) => overlaps(a, b)).length > 1).length;
  const oneUser = (i: IncidentReport) => i.users.distinct === 1;
  const currentOneUser = current.incidents.filter(oneUser).length;
  const droppedOneUser = droppedIncidents.filter(oneUser).length;
  const named = (r: RuleReport) => new Set(r.incidents.flatMap((i) => i.users.top.map((u) => u.username)));
  const before = named(current);
  const after = named(edited);
  const usersNoLongerNamed = [...before].filter((u) => !after.has(u)).sort();
  const usersNewlyNamed = [...after].filter((u) => !before.has(u)).sort();
  const totals = (r: RuleReport, users: Set<string>): VariantTotals => ({
    pages: r.pages,
    minutesInAlarm: r.minutesInAlarm,
    usersNamed: users.size,
  });

  const report: Omit<ComparisonReport, 'summary'> = {
    ruleId: current.ruleId,
    changes: edited.changes,
    current: totals(current, before),
    edited: totals(edited, after),
    currentOneUser,
    kept: keptIncidents.length,
    dropped: droppedIncidents.length,
    droppedOneUser,
    added,
    split,
    usersNoLongerNamed,
    usersNewlyNamed,
  };
  return { ...report, summary: summaryLines(report) };
}

function summaryLines(c: Omit<ComparisonReport, 'summary'>): string[] {
  const e = c.edited.pages;
  const n = c.current.pages;
  const paged =
    e === n
      ? `would have paged ${times(e)}, as the current rule does`
      : `would have paged ${times(e)} instead of ${n}`;
  const oneUser =
    n === 0
      ? ''
      : c.currentOneUser > 0
        ? `; ${c.currentOneUser} of the ${n} hurt one user`
        : n === 1
          ? '; it hurt more than one user'
          : `; none of the ${n} hurt just one user`;
  const lines = [`The edited rule ${paged}${oneUser}.`];
  if (n > 0 || e > 0) {
    const dropped =
      c.dropped === 0
        ? 'drops none'
        : c.droppedOneUser === 0
          ? `drops ${c.dropped}`
          : `drops ${c.dropped} (${c.droppedOneUser} of them hurt one user)`;
    const split = c.split === 0 ? '' : `; it would page more than once for ${c.split} of those it keeps`;
    lines.push(`Of the current incidents it keeps ${c.kept} and ${dropped}; it adds ${c.added} new${split}.`);
  }
  lines.push(
    `Time in ALARM: ${c.current.minutesInAlarm} min → ${c.edited.minutesInAlarm} min. Users named: ${c.current.usersNamed} → ${c.edited.usersNamed}` +
      (c.usersNoLongerNamed.length > 0 ? `; no longer named: ${list(c.usersNoLongerNamed)}` : '') +
      (c.usersNewlyNamed.length > 0 ? `; newly named: ${list(c.usersNewlyNamed)}` : '') +
      '.',
  );
  return lines;
}

function times(n: number): string {
  return n === 1 ? '1 time' : `${n} times`;
}

const LISTED = 10;

function list(names: readonly string[]): string {
  return names.length <= LISTED
    ? names.join(', ')
    : `${names.slice(0, LISTED).join(', ')} and ${names.length - LISTED} more`;
}
