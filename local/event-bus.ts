/**
 * Local EventBridge: targets registered with an event pattern and an async handler, and
 * delivery that behaves like EventBridge → Lambda (asynchronous invoke):
 * - at least once: optionally N copies of one event (same id), in sequence or at once;
 * - a handler that throws is retried (Lambda's async default: 2 retries), then the event
 *   goes to a dead-letter list with the error, like an on-failure destination;
 * - or, with a delivery plan (`setDeliveryPlan`, the chaos run's): each copy reaches its target
 *   after its own delay, on the caller's scheduler (virtual time), so events arrive out of
 *   order; copies due at the same instant, of one event or of several, are delivered together,
 *   concurrently. EventBridge promises neither order nor single delivery (docs/chaos.md).
 *   `put` then resolves once the copies are scheduled, as PutEvents answers before anything is
 *   delivered, and `deliveries()` lists them as they happen. The target is expected to be
 *   Lambda's asynchronous queue (the runner's `invokeEvent`), which retries the function itself.
 *
 * Several named buses (EventBridge's `default` plus custom ones); a target listens on one bus,
 * as an EventBridge rule does, and a bus may carry a resource policy.
 *
 * `startEventBridgeServer()` puts the same buses behind `PutEvents` (AWS JSON 1.1,
 * `X-Amz-Target: AWSEvents.PutEvents`) for `@aws-sdk/client-eventbridge`, with
 * EventBridge's per-entry errors: `aws.*` sources are reserved for AWS
 * (`NotAuthorizedForSourceException`), Detail must be a JSON object (`MalformedDetail`).
 *
 * Callers are principals: the SigV4 access key id of each request (the `Credential=` of its
 * `Authorization` header) maps to a principal with identity policies, standing in for IAM's
 * authentication (signatures are not verified). Each bus a request names is authorized as IAM
 * would (local/iam-policy.ts) against the caller and the bus policy; a refusal fails the whole
 * request with HTTP 400 `AccessDeniedException` and IAM's message ("User: … is not authorized to
 * perform: events:PutEvents on resource: … with an explicit deny in a resource-based policy"),
 * as EventBridge answers a caller it does not authorize (docs/security.md). Without a principal
 * table every key is an account administrator allowed `events:*` on `*` (what tests of other
 * things need); an unknown key with a table is `UnrecognizedClientException`.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { PUT_EVENTS, eventBusArn, type PolicyDocumentJson } from '../rules/test-alert-access';
import { compileEventPattern, type EventMatcher, type EventPattern } from './event-pattern';
import { authorize, userPrincipal, type LocalPrincipal } from './iam-policy';
import {
  awsJsonError,
  awsJsonReply,
  header,
  jsonRpcOperation,
  parseJsonObject,
  sleep,
  startHttpServer,
} from './http-server';
import type { HttpReply, HttpRequest } from './http-server';

export type BusEvent = EventBridgeEvent<string, unknown>;
export type EventHandler = (event: BusEvent) => unknown;

export interface RetryPolicy {
  /** Further attempts after the first fails (Lambda async invoke default: 2). */
  retries: number;
  /** Wait between attempts (Lambda waits about 1 then 2 minutes; tests want 0). */
  delayMs: number;
}

export interface DuplicateOptions {
  /** Copies of each event every matching target receives (at-least-once delivery). */
  copies: number;
  /** Deliver the copies at the same time instead of one after another. */
  concurrent: boolean;
}

export interface EventTarget {
  id: string;
  /** The bus the rule is on. @default 'default' */
  busName?: string;
  pattern: EventPattern;
  handler: EventHandler;
  retry?: Partial<RetryPolicy>;
}

export interface Delivery {
  targetId: string;
  eventId: string;
  copy: number;
  attempts: number;
  outcome: 'delivered' | 'dead-lettered';
  /** With a delivery plan: when it was delivered (virtual ms) and with how many others at once. */
  deliveredAtMs?: number;
  together?: number;
}

/**
 * When each copy of an event reaches a target (see the header). Copies due at one instant are
 * delivered together, concurrently, whichever events they belong to.
 */
export interface DeliveryPlan {
  /** One delay (ms after the put) per copy; at least one. */
  delays(event: BusEvent, targetId: string): readonly number[];
  /** Runs `job` at virtual time `atMs`, after the jobs due before it (the pipeline's agenda). */
  schedule(atMs: number, label: string, job: () => Promise<void>): void;
}

export interface DeadLetter {
  targetId: string;
  event: BusEvent;
  /** What the handler threw on its last attempt. */
  error: unknown;
  attempts: number;
}

export interface EventBusOptions {
  account?: string;
  region?: string;
  /** Bus names `PutEvents` accepts (default `['default']`). */
  busNames?: string[];
  /** Resource policies by bus name; a bus without one is governed by callers' own policies only. */
  busPolicies?: Record<string, PolicyDocumentJson>;
  retry?: Partial<RetryPolicy>;
  duplicates?: Partial<DuplicateOptions>;
  clock?: () => Date;
}

export interface EventBus {
  account: string;
  region: string;
  busNames: readonly string[];
  busArn(busName: string): string;
  busPolicy(busName: string): PolicyDocumentJson | undefined;
  addTarget(target: EventTarget): () => void;
  /** Delivers to every matching target on the bus; resolves when all copies and retries are done. */
  put(event: BusEvent, duplicates?: Partial<DuplicateOptions>, busName?: string): Promise<Delivery[]>;
  /** Builds a full event from source, detail type and detail, as EventBridge would. */
  event(fields: {
    source: string;
    detailType: string;
    detail: unknown;
    resources?: string[];
    time?: Date;
  }): BusEvent;
  setDuplicates(duplicates: Partial<DuplicateOptions>): void;
  /** Deliver by `plan` from now on; undefined: at once again. */
  setDeliveryPlan(plan: DeliveryPlan | undefined): void;
  /** Every event put on the bus, matched or not, in order. */
  events(): BusEvent[];
  deliveries(): Delivery[];
  deadLetters(): DeadLetter[];
  /** Resolves when no delivery is in flight (deliveries started by `PutEvents` run in the background). */
  idle(): Promise<void>;
}

const LAMBDA_ASYNC_RETRY: RetryPolicy = { retries: 2, delayMs: 0 };

export function createEventBus(options: EventBusOptions = {}): EventBus {
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const clock = options.clock ?? (() => new Date());
  const defaultRetry = { ...LAMBDA_ASYNC_RETRY, ...options.retry };
  let duplicates: DuplicateOptions = { copies: 1, concurrent: false, ...options.duplicates };
  const targets = new Map<string, { target: EventTarget; matches: EventMatcher }>();
  const events: BusEvent[] = [];
  const deliveries: Delivery[] = [];
  const deadLetters: DeadLetter[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let plan: DeliveryPlan | undefined;
  /** Planned deliveries by due time, each instant one batch. */
  const batches = new Map<number, Array<{ target: EventTarget; event: BusEvent; copy: number }>>();

  function enqueue(atMs: number, target: EventTarget, event: BusEvent, copy: number, by: DeliveryPlan): void {
    const waiting = batches.get(atMs);
    if (waiting) {
      waiting.push({ target, event, copy });
      return;
    }
    const batch = [{ target, event, copy }];
    batches.set(atMs, batch);
    by.schedule(atMs, `deliver ${event['detail-type']}`, async () => {
      batches.delete(atMs);
      const together = batch.length;
      const work = Promise.all(batch.map((d) => deliverCopy(d.target, d.event, d.copy, { together })));
      inFlight.add(work);
      try {
        await work;
      } finally {
        inFlight.delete(work);
      }
    });
  }

  async function deliverCopy(
    target: EventTarget,
    event: BusEvent,
    copy: number,
    planned?: { together: number },
  ): Promise<Delivery> {
    const at = planned ? { deliveredAtMs: clock().getTime(), together: planned.together } : {};
    const retry = { ...defaultRetry, ...target.retry };
    let lastError: unknown;
    for (let attempt = 1; attempt <= retry.retries + 1; attempt++) {
      if (attempt > 1) await sleep(retry.delayMs);
      try {
        // Each invocation gets its own copy, as separate Lambda invocations would.
        await target.handler(structuredClone(event));
        return record({
          targetId: target.id,
          eventId: event.id,
          copy,
          attempts: attempt,
          outcome: 'delivered',
          ...at,
        });
      } catch (error) {
        lastError = error;
      }
    }
    const attempts = retry.retries + 1;
    deadLetters.push({ targetId: target.id, event, error: lastError, attempts });
    return record({
      targetId: target.id,
      eventId: event.id,
      copy,
      attempts,
      outcome: 'dead-lettered',
      ...at,
    });
  }

  function record(delivery: Delivery): Delivery {
    deliveries.push(delivery);
    return delivery;
  }

  async function deliverTo(target: EventTarget, event: BusEvent, dup: DuplicateOptions): Promise<Delivery[]> {
    const copies = Array.from({ length: dup.copies }, (_, i) => i + 1);
    if (dup.concurrent) return Promise.all(copies.map((copy) => deliverCopy(target, event, copy)));
    const results: Delivery[] = [];
    for (const copy of copies) results.push(await deliverCopy(target, event, copy));
    return results;
  }

  const busNames = options.busNames ?? ['default'];
  for (const name of Object.keys(options.busPolicies ?? {})) {
    if (!busNames.includes(name)) throw new Error(`policy for unknown bus "${name}"`);
  }
  return {
    account,
    region,
    busNames,
    busArn: (name) => eventBusArn('aws', region, account, name),
    busPolicy: (name) => options.busPolicies?.[name],
    addTarget(target) {
      if (targets.has(target.id)) throw new Error(`target "${target.id}" is already registered`);
      targets.set(target.id, { target, matches: compileEventPattern(target.pattern) });
      return () => targets.delete(target.id);
    },
    put(event, override, busName = 'default') {
      events.push(event);
      const dup = { ...duplicates, ...override };
      if (!Number.isInteger(dup.copies) || dup.copies < 1)
        throw new RangeError('copies must be a positive integer');
      const matching = [...targets.values()].filter(
        ({ target, matches }) => (target.busName ?? 'default') === busName && matches(event),
      );
      if (plan) {
        const by = plan;
        const nowMs = clock().getTime();
        for (const { target } of matching) {
          const delays = by.delays(event, target.id);
          if (delays.length === 0) throw new RangeError(`the delivery plan gave ${target.id} no copy`);
          delays.forEach((delay, i) => enqueue(nowMs + Math.max(0, delay), target, event, i + 1, by));
        }
        return Promise.resolve([]);
      }
      const work = Promise.all(matching.map(({ target }) => deliverTo(target, event, dup))).then((r) =>
        r.flat(),
      );
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    },
    event: ({ source, detailType, detail, resources = [], time = clock() }) => ({
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account,
      // EventBridge's `time` has no milliseconds: 2019-10-02T17:04:40Z.
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources,
      detail,
    }),
    setDuplicates(next) {
      duplicates = { ...duplicates, ...next };
    },
    setDeliveryPlan(next) {
      plan = next;
    },
    events: () => [...events],
    deliveries: () => [...deliveries],
    deadLetters: () => [...deadLetters],
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

// ---- PutEvents over HTTP ---------------------------------------------------------------

/** PutEvents: "The maximum number of entries per request is 10" and 256 KB in total. */
export const MAX_PUT_EVENTS_ENTRIES = 10;
export const MAX_PUT_EVENTS_BYTES = 262_144;

/** One `PutEventsRequestEntry` as it arrives on the wire (`Time` in epoch seconds). */
export interface PutEventsEntry {
  Time?: number;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface EventBridgeServer {
  url: string;
  close(): Promise<void>;
  /** Every PutEvents request's entries with the per-entry results sent back. */
  calls(): Array<{ entries: PutEventsEntry[]; results: PutEventsResultEntry[] }>;
}

/**
 * Validates entries like EventBridge and puts the accepted ones on the bus. Returns at
 * once with the per-entry results; delivery continues in the background (`bus.idle()`).
 */
export function putEntries(bus: EventBus, entries: PutEventsEntry[]): PutEventsResultEntry[] {
  return entries.map((entry): PutEventsResultEntry => {
    const problem = entryProblem(bus, entry);
    if (problem) return problem;
    const event = bus.event({
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? '{}') as unknown,
      resources: entry.Resources ?? [],
      ...(entry.Time === undefined ? {} : { time: new Date(entry.Time * 1000) }),
    });
    void bus.put(event, undefined, busNameOf(entry));
    return { EventId: event.id };
  });
}

/** `EventBusName` may be a name or an ARN; absent means `default`. */
function busNameOf(entry: PutEventsEntry): string {
  return (entry.EventBusName ?? 'default').replace(/^arn:aws[a-z-]*:events:[^:]*:\d*:event-bus\//, '');
}

function entryProblem(bus: EventBus, entry: PutEventsEntry): PutEventsResultEntry | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (entry[field] === undefined || entry[field] === '') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  if (entry.Source?.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail ?? '');
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const busName = busNameOf(entry);
  if (!bus.busNames.includes(busName)) {
    return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
  }
  return undefined;
}

/** Bytes EventBridge counts for an entry: Time, Source, DetailType, Detail and Resources. */
function entrySize(entry: PutEventsEntry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, r) => sum + bytes(r), 0)
  );
}

export interface EventBridgeServerOptions {
  /** Principals by access key id; omitted: every key is an administrator of the bus's account. */
  principals?: Record<string, LocalPrincipal>;
}

/** The access key id a SigV4 `Authorization` header was signed with. */
export function accessKeyIdOf(request: HttpRequest): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(header(request, 'authorization') ?? '')?.[1];
}

export async function startEventBridgeServer(
  bus: EventBus,
  options: EventBridgeServerOptions = {},
): Promise<EventBridgeServer> {
  const calls: Array<{ entries: PutEventsEntry[]; results: PutEventsResultEntry[] }> = [];
  const administrator = userPrincipal(bus.account, 'local-administrator', [
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] },
  ]);

  function caller(request: HttpRequest): LocalPrincipal | undefined {
    if (options.principals === undefined) return administrator;
    const key = accessKeyIdOf(request);
    return key === undefined ? undefined : options.principals[key];
  }

  /** IAM's verdict for every bus the request names; the first refusal fails the whole request. */
  function refusal(principal: LocalPrincipal, entries: PutEventsEntry[]): HttpReply | undefined {
    const names = [...new Set(entries.map(busNameOf))].filter((name) => bus.busNames.includes(name));
    for (const name of names) {
      const decision = authorize({
        principal,
        action: PUT_EVENTS,
        resource: bus.busArn(name),
        resourceAccount: bus.account,
        resourcePolicy: bus.busPolicy(name),
      });
      if (!decision.allowed) return awsJsonError(400, 'AccessDeniedException', decision.message);
    }
    return undefined;
  }

  function handle(request: HttpRequest): HttpReply {
    const operation = jsonRpcOperation(request, 'AWSEvents');
    if (operation !== 'PutEvents') {
      return awsJsonError(
        400,
        'UnknownOperationException',
        `Operation ${operation ?? '(none)'} is not supported`,
      );
    }
    const body = parseJsonObject(request.body);
    const entries = body?.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_PUT_EVENTS_ENTRIES) {
      return awsJsonError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_PUT_EVENTS_ENTRIES}`,
      );
    }
    const typed = entries as PutEventsEntry[];
    const principal = caller(request);
    if (principal === undefined) {
      return awsJsonError(
        400,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    const denied = refusal(principal, typed);
    if (denied) return denied;
    if (typed.reduce((sum, e) => sum + entrySize(e), 0) > MAX_PUT_EVENTS_BYTES) {
      return awsJsonError(
        400,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const results = putEntries(bus, typed);
    calls.push({ entries: typed, results });
    return awsJsonReply({
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    });
  }

  const server = await startHttpServer(handle);
  return { url: server.url, close: server.close, calls: () => [...calls] };
}
