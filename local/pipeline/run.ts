/**
 * One whole local run, end to end, on the project's real code:
 * scenario file (local/scenarios/) + seed → virtual clock → local AWS stand-ins with AWS-like
 * timing (local/aws-timing.ts) → shop traffic through the real cart functions (traced with the
 * X-Ray SDK over UDP or OpenTelemetry over OTLP: `tracing`; sampled by the scenario's rules; the scenario's faults injected at DynamoDB) → per-minute
 * group metrics, alarms and Insights → the event bus → the real notifier → Slack, email,
 * incident records → the real digest on its schedule → summary, signal figures and checks
 * against the ground truth (from the scenario, never from the traces) → everything written
 * under the out directory, with report.html to look at.
 *
 * Whatever happens (a failure, Ctrl-C through `signal`), the `finally` closes every port,
 * restores the real `Date` and puts `process.env` back as it was.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCatalog } from '../../functions/cart/catalog';
import { buildDigest } from '../../functions/digest/run';
import { DEFAULT_REOPEN_WINDOW_MINUTES } from '../../functions/notifier/config';
import { createIncidentStore } from '../../functions/shared/incidents/store';
import { ruleSet as projectRuleSet } from '../../rules';
import type { Trace } from '../../rules/filter/trace';
import type { RuleSet } from '../../rules/schema';
import { timingOn, timingWithout } from '../aws-timing';
import { installVirtualClock } from '../clock';
import type { BusEvent, Delivery } from '../event-bus';
import { createLambdaRunner, prepareLambdaEnvironment, type ApiInvocation } from '../lambda-runner';
import { loadScenario } from '../scenario/load';
import type { RunOptions } from '../scenario/options';
import { planTraffic, type PlannedRequest } from '../scenario/plan';
import { createPopulation, type Population } from '../scenario/population';
import { createPrng } from '../scenario/prng';
import { MINUTE_MS, withDuration, type Fault } from '../scenario/scenario';
import { createShopClient } from '../scenario/shop-client';
import {
  buildSummary,
  threadKey,
  type EventRecord,
  type RunRecord,
  type RunSummary,
  type SlackThreadRecord,
  type TrafficTally,
} from '../summary';
import { fromBundles, fromSource } from './bundles';
import { createAgenda } from './agenda';
import type { ChaosObservation } from '../chaos/invariants';
import { createChaosRun, type ChaosSummary } from '../chaos/pipeline';
import type { ChaosPlan } from '../chaos/plan';
import { chaosChecks } from '../chaos/report';
import { runChecks } from './checks';
import { startInteractivity } from './interactivity';
import { nextDigestRun } from './digest-schedule';
import { createSqsEventSource } from '../sqs-event-source';
import { routeToNotifier } from './event-routing';
import {
  digestFunction,
  distinctFunctions,
  LAMBDA_ENTRY_FILES,
  notifierEnvironment,
  notifierFunction,
  shopFunctions,
} from './functions';
import { faultTruths } from './ground-truth';
import { createMinuteLoop, type MinuteReport } from './minute-loop';
import { writeOutputs } from './output';
import type { ReportData } from './report';
import {
  createSampler,
  pageSamplingRate,
  sampleAtStage,
  samplingRules,
  statedSamplingRate,
} from './sampling';
import { ACCOUNT, STAGE, startLocalServices, type LocalServices } from './services';
import { NOTIFIER_NAME } from './functions';
import { playTraffic } from './traffic';

/** Virtual time before the first request in which the functions start (their init is not a request). */
const WARM_UP_MS = 60_000;
/** `responsetime > 3` in the slow rule; requests above it count as slow in the tally. */
const SLOW_REQUEST_MS = 3_000;

export interface MinuteState {
  alarms: Record<string, string>;
  /** Rules whose group has an open Insight. */
  insights: string[];
  /** Slack posts and emails sent so far. */
  pages: number;
}

export interface PipelineReporter {
  /** A fault's on-window begins (`on`) or ends. */
  fault(fault: Fault, on: boolean): void;
  request(planned: PlannedRequest, invocation: ApiInvocation): void;
  minute(report: MinuteReport, state: MinuteState): void;
  event(event: BusEvent, deliveries: Delivery[]): void;
  note(text: string): void;
}

export type PipelineOptions = Pick<
  RunOptions,
  'scenario' | 'seed' | 'durationMinutes' | 'speed' | 'duplicates' | 'xrayThrottles' | 'outDir'
> &
  Partial<Pick<RunOptions, 'timingOff'>> & {
    /** How the functions send traces. @default 'xray' */
    tracing?: RunOptions['tracing'];
    /** Run every function from its deployment bundle instead of from source. @default false */
    bundled?: boolean;
    ruleSet?: RuleSet;
    /** Seed of a chaos plan (local/chaos/): reorder, duplicate, kill, rate-limit; undefined: none. */
    chaos?: number | ChaosPlan | undefined;
    /** Post to a real Slack workspace with this bot token instead of the local Slack. */
    realSlackToken?: string | undefined;
    reporter?: Partial<PipelineReporter>;
    signal?: AbortSignal;
    /**
     * The local on-call responder presses Acknowledge on the first page this many virtual
     * minutes after it was posted (local Slack only); null: nobody acknowledges. @default 2
     */
    acknowledgeAfterMinutes?: number | null;
  };

export interface PipelineResult {
  summary: RunSummary;
  /** Files written, relative to the out directory. */
  written: string[];
  /** The stand-ins, closed but still holding what they received (Slack messages, emails…). */
  services: LocalServices;
  population: Population;
  /** With `chaos`: what the invariants were judged on (local/chaos/invariants.ts). */
  chaosObservation?: ChaosObservation;
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const wallStart = performance.now();
  const ruleSet = options.ruleSet ?? projectRuleSet;
  const reporter = options.reporter ?? {};
  const scenario = withDuration(
    loadScenario(
      options.scenario,
      ruleSet.rules.map((r) => r.id),
    ),
    options.durationMinutes,
  );
  const timing = timingWithout(options.timingOff ?? []);
  const prng = createPrng(options.seed);
  const population = createPopulation(scenario, prng);
  const productIds = createCatalog()
    .list()
    .map((p) => p.productId);
  const sampler = createSampler(
    samplingRules(scenario.sampling, ruleSet),
    createPrng(options.seed ^ 0x5a3b1e),
  );
  const plan = planTraffic(scenario, population, productIds, prng, sampleAtStage(sampler, STAGE));

  const envBefore = { ...process.env };
  const clock = installVirtualClock({ start: plan.startMs - WARM_UP_MS });
  let services: LocalServices | undefined;
  let closeRunner = () => undefined as void;
  try {
    services = await startLocalServices({
      ruleSet,
      duplicates: options.duplicates,
      advanceClock: (ms) => clock.advance(ms),
      realSlackToken: options.realSlackToken,
      timing,
      seed: options.seed,
    });
    const svc = services;
    prepareLambdaEnvironment(svc.daemon.address, ACCOUNT.region, {
      backend: options.tracing ?? 'xray',
      otlpEndpoint: svc.otlp.tracesEndpoint,
    });

    const logs = new Map<string, string[]>();
    const agenda = createAgenda();
    const chaos =
      options.chaos === undefined
        ? undefined
        : createChaosRun({
            seed: options.chaos,
            services: svc,
            agenda,
            ruleSet,
            notifierName: NOTIFIER_NAME,
          });
    const runner = createLambdaRunner({
      emit: (document) => svc.emitter.emit(document),
      stage: STAGE,
      logs: (fn, _stream, text) => {
        const entries = logs.get(fn) ?? [];
        entries.push(text);
        logs.set(fn, entries);
      },
      ...chaos?.runnerOptions(),
    });
    closeRunner = () => runner.close();
    const loader = options.bundled
      ? fromBundles(join(options.outDir, 'bundles'), options.tracing ?? 'xray', LAMBDA_ENTRY_FILES)
      : fromSource;
    const shop = shopFunctions(
      { identity: svc.identity.env, cartsTable: svc.names.cartsTable, dynamoEndpoint: svc.proxy.url },
      loader,
    );
    const baseNotifier = notifierFunction(
      { ...notifierEnvironment(svc, svc.proxy.url), samplingRate: statedSamplingRate(scenario.sampling) },
      loader,
    );
    const notifier = chaos ? chaos.notifier(baseNotifier) : baseNotifier;
    const digest = digestFunction(
      {
        alertsTable: svc.names.alertsTable,
        ruleSetFile: svc.names.ruleSetFile,
        digestTopicArn: svc.names.digestTopicArn,
        dynamoEndpoint: svc.proxy.url,
        snsEndpoint: svc.sns.url,
      },
      loader,
    );
    reporter.note?.(
      `tracing: ${options.tracing === 'otel' ? 'OpenTelemetry, OTLP/HTTP to the local X-Ray OTLP endpoint' : 'X-Ray SDK, UDP to the local daemon'}${options.bundled ? '; every function from its deployment bundle' : ''}`,
    );
    reporter.note?.('starting the functions (init outside any request, as with provisioned concurrency)');
    for (const fn of distinctFunctions(shop)) await runner.warm(fn);
    await runner.warm(notifier);
    await runner.warm(digest);
    // The page buttons' endpoint and the responder who presses them (local/pipeline/interactivity.ts).
    const acknowledgeAfter =
      options.acknowledgeAfterMinutes === undefined ? 2 : options.acknowledgeAfterMinutes;
    const interactivity = svc.slack
      ? await startInteractivity({
          svc,
          slack: svc.slack,
          ruleSet,
          runner,
          dynamoEndpoint: svc.proxy.url,
          loader,
          acknowledgeAfterMs: acknowledgeAfter === null ? undefined : acknowledgeAfter * 60_000,
          now: clock.now,
        })
      : undefined;
    if (interactivity) await runner.warm(interactivity.fn);
    let responding: Promise<unknown> = Promise.resolve();

    if (chaos) {
      chaos.install({
        firstFaultMs: Math.min(...plan.faults.map((f) => f.span.startMs), plan.endMs),
        lastFaultEndMs: Math.max(...plan.faults.map((f) => f.span.endMs), plan.startMs),
      });
      reporter.note?.(
        `chaos plan, seed ${chaos.plan.seed}: events reordered, copied and delivered at once; invocations killed and retried; Slack 429 bursts`,
      );
    }
    routeToNotifier(
      svc.bus,
      ruleSet,
      chaos ? chaos.invoke(runner, notifier) : (event) => runner.invokeAsync(notifier, event),
    );
    // The deferral queue's event source mapping, polled every virtual minute.
    const deferrals = createSqsEventSource({
      sqs: svc.sqs,
      queue: svc.names.deferralQueueName,
      region: ACCOUNT.region,
      batchSize: 5,
      invoke: chaos
        ? chaos.invokeDeferred(runner, notifier)
        : async (event) => (await runner.invokeAsync(notifier, event)).result,
    });
    let deferring: Promise<unknown> = Promise.resolve();
    const pollDeferrals = () => {
      deferring = deferring.then(() => deferrals.drain()).catch(() => undefined);
      return deferring;
    };
    const events: EventRecord[] = [];
    const minuteLoop = createMinuteLoop({
      ruleSet,
      store: svc.store,
      bus: svc.bus,
      account: ACCOUNT,
      now: clock.now,
      complete: isComplete,
      timing,
      agenda,
      seed: options.seed,
      groupsCreatedAt: scenario.groupsCreatedAt,
      onEvent: (event, deliveries) => {
        events.push(eventRecord(event, deliveries));
        reporter.event?.(event, deliveries);
      },
    });
    const client = createShopClient(population, svc.identity, clock.now);
    const tally = createTally();
    let throttled = false;

    const played = await playTraffic({
      plan,
      clock,
      client,
      runner,
      functions: shop,
      minuteLoop,
      agenda,
      proxy: svc.proxy,
      speed: options.speed,
      ...(options.signal ? { signal: options.signal } : {}),
      onFault: (fault, on) => {
        if (on && !throttled && options.xrayThrottles > 0) {
          throttled = true;
          svc.xray.throttleNext(options.xrayThrottles, 'GetTraceSummaries');
        }
        reporter.fault?.(fault, on);
      },
      onRequest: (planned, invocation) => {
        tally.add(client.shopper(planned.shopperId).kind, planned, invocation);
        reporter.request?.(planned, invocation);
      },
      onMinute: (report) => {
        void pollDeferrals();
        if (interactivity) {
          responding = responding
            .then(() => interactivity.onMinute(clock.date()))
            .catch((error: unknown) => {
              reporter.note?.(`the responder's click failed: ${String(error)}`);
            });
        }
        reporter.minute?.(report, {
          alarms: minuteLoop.alarmStates(),
          insights: minuteLoop.openInsights(),
          pages:
            (svc.slack?.calls('chat.postMessage').filter((c) => c.ok).length ?? 0) +
            svc.sns.published(svc.names.onCallTopicArn).length,
        });
      },
    });
    await svc.bus.idle();
    await drainDeferred(svc, pollDeferrals, clock);
    await responding;
    await interactivity?.idle();
    await interactivity?.close();
    // Under a delivery plan the copies reach the notifier later than the put: count them now.
    if (chaos) countPlannedDeliveries(events, svc.bus.deliveries());

    // The weekly digest, at its next scheduled time, with the event EventBridge Scheduler sends.
    clock.setSystemTime(nextDigestRun(clock.date(), ruleSet.digest));
    const scheduledTime = clock.date();
    reporter.note?.(`running the digest as scheduled: ${scheduledTime.toISOString()}`);
    let digestError: string | undefined;
    await runner
      .invokeAsync(digest, { scheduledTime: scheduledTime.toISOString() })
      .catch((error: unknown) => {
        digestError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      });

    const incidentStore = createIncidentStore({
      doc: svc.dynamo.doc,
      tableName: svc.names.alertsTable,
      retention: ruleSet.retention,
    });
    const incidents = await incidentStore.listStartedBetween(
      new Date(plan.startMs - WARM_UP_MS),
      scheduledTime,
    );
    const { message: digestMessage } = await buildDigest(
      { incidents: incidentStore, config: ruleSet.digest, rules: ruleSet.rules },
      scheduledTime,
    );
    const published = svc.sns.published(svc.names.digestTopicArn).at(-1);
    const threads = slackThreads(svc, incidents);
    const history = minuteLoop.history();
    const record: RunRecord = {
      scenario: { name: scenario.name, description: scenario.description, file: scenario.file },
      seed: options.seed,
      duplicates: options.duplicates,
      timing: timingOn(timing),
      samplingRate: pageSamplingRate(scenario.sampling, ruleSet),
      ruleSet,
      startMs: plan.startMs,
      endMs: plan.endMs,
      faults: faultTruths(plan, population, (r) => played.applied.has(r)),
      selected: population.truth,
      traffic: tally.result(svc.store),
      events,
      notifierDeadLetters: svc.sqs.messages(svc.names.deadLetterQueueName).length,
      incidents,
      droppedInsights: history.flatMap((h) =>
        h.insights
          .filter((i) => i.deliveredAtMs === undefined)
          .map((i) => ({ ruleId: h.ruleId, kind: i.kind })),
      ),
      slack: svc.slack
        ? { mode: 'local', threads, topLevelByChannel: topLevelByChannel(svc) }
        : { mode: 'real' },
      emails: svc.sns.published(svc.names.onCallTopicArn),
      clicks: interactivity?.clicks ?? [],
      digest: {
        subject: published?.subject,
        text: published?.message,
        html: published ? digestMessage.html : undefined,
        ...(digestError ? { error: digestError } : {}),
      },
      wallMs: performance.now() - wallStart,
    };
    const chaosSummary = chaos
      ? await chaos.summarize({
          runner,
          store: incidentStore,
          incidents,
          reopenWindowMs: DEFAULT_REOPEN_WINDOW_MINUTES * MINUTE_MS,
        })
      : undefined;
    const facts = buildSummary(record);
    const checks = chaosSummary
      ? [...runChecks(facts, ruleSet, { chaos: true }), ...chaosChecks(chaosSummary)]
      : runChecks(facts, ruleSet);
    const { observation: chaosObservation, ...chaosFigures } = chaosSummary ?? {};
    const summary: RunSummary = {
      ...facts,
      ...(chaosSummary ? { chaos: chaosFigures as ChaosSummary } : {}),
      checks,
      ok: checks.every((c) => c.ok),
    };
    const report: ReportData = {
      summary,
      ruleSet,
      faults: record.faults,
      history,
      requestsPerMinute: tally.perMinute(),
      endedAtMs: played.endedAtMs,
      alarmOffsetMs: timing.alarmScheduleOffsetMs ?? 0,
      threads: [...threads.values()],
      channelNames: new Map((svc.slack?.channels() ?? []).map((c) => [c.id, c.name])),
      emails: record.emails,
      digestHtml: record.digest.html,
    };
    const written = await writeOutputs(options.outDir, {
      summary,
      threads: [...threads.values()],
      channelNames: new Map((svc.slack?.channels() ?? []).map((c) => [c.id, c.name])),
      emails: record.emails,
      digest: record.digest,
      traces: svc.store.list().flatMap((t) => svc.store.get(t.id) ?? []),
      events: svc.bus.events(),
      logs,
      report,
    });
    return {
      summary,
      written,
      services: svc,
      population,
      ...(chaosObservation ? { chaosObservation } : {}),
    };
  } finally {
    closeRunner();
    await services
      ?.close()
      .catch((error: unknown) => reporter.note?.(`closing the stand-ins: ${String(error)}`));
    clock.uninstall();
    restoreEnv(envBefore);
  }
}

function countPlannedDeliveries(events: EventRecord[], deliveries: readonly Delivery[]): void {
  for (const event of events) {
    const mine = deliveries.filter((d) => d.eventId === event.id);
    event.deliveries = mine.length;
    event.deadLettered = mine.filter((d) => d.outcome === 'dead-lettered').length;
  }
}

/** Deliveries still deferred when the traffic ends: let each come due (virtual time). */
async function drainDeferred(
  svc: LocalServices,
  poll: () => Promise<unknown>,
  clock: { date(): Date; setSystemTime(to: Date): void },
): Promise<void> {
  const limit = clock.date().getTime() + 2 * 60 * 60_000;
  await poll();
  for (let next = svc.sqs.nextVisibleAt(svc.names.deferralQueueName); next !== undefined && next <= limit;) {
    if (next > clock.date().getTime()) clock.setSystemTime(new Date(next));
    await poll();
    await svc.bus.idle();
    next = svc.sqs.nextVisibleAt(svc.names.deferralQueueName);
  }
}

/** A shop trace is complete once its root segment and its annotations subsegment are in. */
function isComplete(trace: Trace): boolean {
  return !trace.partial && trace.annotations.operation !== undefined;
}

function eventRecord(event: BusEvent, deliveries: Delivery[]): EventRecord {
  const detail = (typeof event.detail === 'object' && event.detail !== null ? event.detail : {}) as Record<
    string,
    unknown
  >;
  const state = detail.state as { value?: unknown } | undefined;
  return {
    id: event.id,
    detailType: event['detail-type'],
    time: event.time,
    subject: String(detail.alarmName ?? detail.GroupName ?? ''),
    state: String(state?.value ?? detail.State ?? ''),
    deliveries: deliveries.length,
    deadLettered: deliveries.filter((d) => d.outcome === 'dead-lettered').length,
  };
}

function createTally() {
  const tally: TrafficTally = {
    requests: 0,
    sampled: 0,
    byShopper: { registered: 0, anonymous: 0, forger: 0 },
    byStatus: { '2xx': 0, '4xx': 0, '5xx': 0 },
    slow: 0,
    forged: { sent: 0, traced: 0, annotatedAnonymous: 0, annotatedOtherwise: [] },
  };
  const forgedTraces: string[] = [];
  const perMinute = new Map<number, { requests: number; sampled: number }>();
  return {
    add(kind: keyof TrafficTally['byShopper'], planned: PlannedRequest, invocation: ApiInvocation) {
      tally.requests += 1;
      if (planned.sampled) tally.sampled += 1;
      tally.byShopper[kind] += 1;
      const minute = Math.floor(invocation.startMs / MINUTE_MS) * MINUTE_MS;
      const counts = perMinute.get(minute) ?? { requests: 0, sampled: 0 };
      counts.requests += 1;
      if (planned.sampled) counts.sampled += 1;
      perMinute.set(minute, counts);
      const status = invocation.response.statusCode;
      if (status >= 500) tally.byStatus['5xx'] += 1;
      else if (status >= 400) tally.byStatus['4xx'] += 1;
      else tally.byStatus['2xx'] += 1;
      if (invocation.endMs - invocation.startMs > SLOW_REQUEST_MS) tally.slow += 1;
      if (kind === 'forger' && planned.sampled) forgedTraces.push(invocation.traceId);
    },
    /** Requests and traced requests per minute (minute start → counts). */
    perMinute: (): ReadonlyMap<number, { requests: number; sampled: number }> => perMinute,
    /** Reads each forged request's trace back: its username annotation must say anonymous. */
    result(store: LocalServices['store']): TrafficTally {
      const names = forgedTraces.map((id) => store.get(id)?.trace.annotations.username ?? []);
      const otherwise = names
        .filter((n) => n.length !== 1 || n[0] !== 'anonymous')
        .map((n) => n.join('|') || '(none)');
      return {
        ...tally,
        forged: {
          sent: tally.byShopper.forger,
          traced: forgedTraces.length,
          annotatedAnonymous: names.length - otherwise.length,
          annotatedOtherwise: otherwise,
        },
      };
    },
  };
}

function slackThreads(
  svc: LocalServices,
  incidents: readonly { slack?: { channel: string; rootTs: string } | undefined }[],
): Map<string, SlackThreadRecord> {
  const threads = new Map<string, SlackThreadRecord>();
  if (!svc.slack) return threads;
  for (const incident of incidents) {
    if (!incident.slack) continue;
    const messages = svc.slack.thread(incident.slack.channel, incident.slack.rootTs);
    const channel = messages[0]?.channel ?? incident.slack.channel;
    threads.set(threadKey(incident.slack.channel, incident.slack.rootTs), {
      channel,
      rootTs: incident.slack.rootTs,
      messages,
    });
  }
  return threads;
}

function topLevelByChannel(svc: LocalServices): Record<string, number> {
  return Object.fromEntries(
    (svc.slack?.channels() ?? []).map((c) => [c.id, svc.slack?.messages(c.id).length ?? 0]),
  );
}

function restoreEnv(before: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
  Object.assign(process.env, before);
}
