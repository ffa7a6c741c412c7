/**
 * What a scenario file's shape cannot say on its own, checked across fields; every problem is
 * returned (path + what was expected), none thrown, so load.ts reports them all at once.
 *
 * Faults and who they hit: `count`/`share` draw shoppers from the segment without replacement,
 * skipping shoppers an earlier fault drew or any fault names in `users`, so drawn sets never
 * overlap. Two faults conflict when they could hit the same request: same dependency, on-windows
 * that overlap, operations in common, and shoppers in common (one takes a whole segment the
 * other draws from, or both name the same shopper). A request gets one injected fault, so that
 * is an error, not a silent precedence rule.
 */
import { reachesDynamo, type ShopperKind } from './actions';
import { onWindows } from './scenario';
import type { FaultSpec, ScenarioFile, Segment } from './schema';

export interface ScenarioIssue {
  /** Path into the file, as keys and indexes (`['faults', 1, 'who', 'count']`). */
  path: (string | number)[];
  message: string;
}

const KINDS: Record<Segment, ShopperKind[]> = {
  registered: ['registered'],
  anonymous: ['anonymous'],
  forgers: ['forger'],
  everyone: ['registered', 'anonymous', 'forger'],
};

const ID_KIND: Record<string, ShopperKind> = {
  registered: 'registered',
  anonymous: 'anonymous',
  forger: 'forger',
};

export function scenarioIssues(file: ScenarioFile, ruleIds: readonly string[]): ScenarioIssue[] {
  return [
    ...trafficIssues(file),
    ...(file.population.forgers > 0 && file.population.registered === 0
      ? [
          {
            path: ['population', 'forgers'],
            message: 'forgers impersonate registered shoppers: add registered ones',
          },
        ]
      : []),
    ...file.faults.flatMap((fault, i) => faultIssues(file, fault, i)),
    ...drawIssues(file),
    ...overlapIssues(file),
    ...groupIssues(file, ruleIds),
  ];
}

function trafficIssues(file: ScenarioFile): ScenarioIssue[] {
  const points = file.traffic.perMinute;
  if (typeof points === 'number') return [];
  return points.flatMap((p, i) => {
    const path = ['traffic', 'perMinute', i, 'at'];
    if (i > 0 && p.at <= points[i - 1]!.at)
      return [{ path, message: `must come after the point before (${points[i - 1]!.at})` }];
    if (p.at > file.minutes)
      return [{ path, message: `is after the end of the run (minute ${file.minutes})` }];
    return [];
  });
}

function faultIssues(file: ScenarioFile, fault: FaultSpec, i: number): ScenarioIssue[] {
  const at = (...rest: (string | number)[]) => ['faults', i, ...rest];
  const issues: ScenarioIssue[] = [];
  const end = fault.when.start + fault.when.minutes;
  if (end > file.minutes)
    issues.push({
      path: at('when'),
      message: `ends at minute ${end}, after the run (${file.minutes} minutes)`,
    });
  if (fault.when.ramp !== undefined && fault.when.ramp > fault.when.minutes)
    issues.push({
      path: at('when', 'ramp'),
      message: `is longer than the fault (${fault.when.minutes} min)`,
    });
  if (fault.when.flapping && fault.when.flapping.on >= fault.when.minutes)
    issues.push({
      path: at('when', 'flapping', 'on'),
      message: `is not shorter than the fault (${fault.when.minutes} min): there would be no off period`,
    });
  const duplicate = file.faults.findIndex((f) => f.name === fault.name);
  if (duplicate !== i)
    issues.push({ path: at('name'), message: `"${fault.name}" is already the name of faults[${duplicate}]` });

  const { segment } = fault.who;
  const kinds = KINDS[segment];
  const size = kinds.reduce((n, k) => n + populationOf(file, k), 0);
  if (size === 0)
    issues.push({ path: at('who', 'segment'), message: `the population has no ${segment} shoppers` });
  if (segment === 'everyone' && (fault.who.count !== undefined || fault.who.share !== undefined))
    issues.push({
      path: at('who', 'segment'),
      message: 'everyone takes no count or share: draw from one segment (registered, anonymous, forgers)',
    });
  (fault.who.users ?? []).forEach((id, j) => {
    const [prefix, n] = id.split('-') as [string, string];
    const kind = ID_KIND[prefix]!;
    if (!kinds.includes(kind))
      issues.push({ path: at('who', 'users', j), message: `${id} is not in segment ${segment}` });
    else if (Number(n) < 1 || Number(n) > populationOf(file, kind))
      issues.push({
        path: at('who', 'users', j),
        message: `no shopper ${id}: the population has ${populationOf(file, kind)} ${kind} shoppers`,
      });
  });
  const operations = fault.where.operations;
  if (operations && !operations.some((op) => kinds.some((k) => reachesDynamo(k, op))))
    issues.push({
      path: at('where', 'operations'),
      message: `${segment} shoppers never reach DynamoDB through ${operations.join(', ')} (product reads use the catalog; checkout and migrate answer 401 to anyone not signed in)`,
    });
  return issues;
}

/** Drawn shoppers come from what earlier faults and every named `users` entry left over. */
function drawIssues(file: ScenarioFile): ScenarioIssue[] {
  const named = new Set(file.faults.flatMap((f) => f.who.users ?? []));
  const left: Record<ShopperKind, number> = {
    registered: file.population.registered,
    anonymous: file.population.anonymous,
    forger: file.population.forgers,
  };
  for (const id of named) left[ID_KIND[id.split('-')[0]!]!] -= 1;
  const issues: ScenarioIssue[] = [];
  file.faults.forEach((fault, i) => {
    const kind = KINDS[fault.who.segment][0]!;
    if (fault.who.segment === 'everyone') return;
    const wanted =
      fault.who.count ??
      (fault.who.share === undefined ? undefined : drawnCount(fault.who.share, populationOf(file, kind)));
    if (wanted === undefined) return;
    if (wanted > left[kind]) {
      issues.push({
        path: ['faults', i, 'who', fault.who.count === undefined ? 'share' : 'count'],
        message: `needs ${wanted} ${fault.who.segment} shoppers but only ${Math.max(0, left[kind])} are left (population ${populationOf(file, kind)}, the rest drawn or named by other faults)`,
      });
    }
    left[kind] -= wanted;
  });
  return issues;
}

/** A share of a segment, at least one shopper. */
export function drawnCount(share: number, size: number): number {
  return Math.max(1, Math.round(share * size));
}

function overlapIssues(file: ScenarioFile): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  file.faults.forEach((b, j) => {
    file.faults.slice(0, j).forEach((a, i) => {
      const during = overlappingMinutes(a, b);
      if (!during || a.where.dependency !== b.where.dependency) return;
      const ops = commonOperations(a, b);
      const shoppers = commonShoppers(a, b);
      if (ops.length === 0 || shoppers === undefined) return;
      issues.push({
        path: ['faults', j],
        message:
          `"${b.name}" overlaps "${a.name}" (faults[${i}]): both would hit ${shoppers}'s ${ops.join(', ')} requests ` +
          `between minute ${during[0]} and ${during[1]}. A request gets one injected fault: give them different shoppers, operations or times`,
      });
    });
  });
  return issues;
}

function overlappingMinutes(a: FaultSpec, b: FaultSpec): [number, number] | undefined {
  for (const [a0, a1] of onWindows(a.when))
    for (const [b0, b1] of onWindows(b.when)) {
      const from = Math.max(a0, b0);
      const to = Math.min(a1, b1);
      if (from < to) return [from, to];
    }
  return undefined;
}

const ALL_CART_OPS = ['cart.add', 'cart.list', 'cart.update', 'cart.checkout', 'cart.migrate'] as const;

function commonOperations(a: FaultSpec, b: FaultSpec): string[] {
  const opsA: readonly string[] = a.where.operations ?? ALL_CART_OPS;
  const opsB: readonly string[] = b.where.operations ?? ALL_CART_OPS;
  return opsA.filter((op) => opsB.includes(op));
}

/** Whose requests both faults could hit (a description), or undefined when no shopper can be in both. */
function commonShoppers(a: FaultSpec, b: FaultSpec): string | undefined {
  const kinds = KINDS[a.who.segment].filter((k) => KINDS[b.who.segment].includes(k));
  if (kinds.length === 0) return undefined;
  const whole = (f: FaultSpec) =>
    f.who.count === undefined && f.who.share === undefined && f.who.users === undefined;
  if (whole(a) || whole(b)) return `every ${kinds.join('/')} shopper`;
  const common = (a.who.users ?? []).filter((id) => (b.who.users ?? []).includes(id));
  return common.length > 0 ? common.join(', ') : undefined;
}

function groupIssues(file: ScenarioFile, ruleIds: readonly string[]): ScenarioIssue[] {
  return Object.entries(file.groupsCreatedAt).flatMap(([id, minute]) => {
    const path = ['groupsCreatedAt', id];
    if (!ruleIds.includes(id))
      return [{ path, message: `no rule "${id}" in the rule set (rules: ${ruleIds.join(', ')})` }];
    if (minute >= file.minutes)
      return [{ path, message: `is not before the end of the run (minute ${file.minutes})` }];
    return [];
  });
}

function populationOf(file: ScenarioFile, kind: ShopperKind): number {
  return kind === 'forger' ? file.population.forgers : file.population[kind];
}
