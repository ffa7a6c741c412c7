/**
 * `npm start -- --chaos <seed>`: the chaos plan (plan.ts) put into the local pipeline, and the
 * invariants (invariants.ts) judged at its end.
 *
 * | part of the pipeline        | under chaos                                                      |
 * |-----------------------------|------------------------------------------------------------------|
 * | event bus → notifier        | the plan's delays and copies (local/event-bus.ts delivery plan),  |
 * |                             | into Lambda's asynchronous queue (the runner's `invokeEvent`)    |
 * | Lambda runner               | up to NOTIFIER_CONCURRENCY notifier invocations at once; kills at |
 * |                             | the plan's probe points; retries about 1 and 2 min later (agenda) |
 * | retries exhausted           | Lambda's on-failure record into the dead-letter queue             |
 * | deferral queue → notifier   | the same kills (a killed batch comes back after its visibility    |
 * |                             | timeout; from the third receive on nothing is killed)             |
 * | Slack                       | the plan's bursts of HTTP 429 with Retry-After                   |
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { deliveryKeys } from '../../functions/notifier/plan-deliveries';
import { decodeSnapshot, type RootSnapshot } from '../../functions/notifier/root-view';
import type { Incident } from '../../functions/shared/incidents/model';
import type { IncidentStore } from '../../functions/shared/incidents/store';
import { eventRuleName, INCIDENT_UPDATED_DETAIL_TYPE } from '../../rules/names';
import type { RuleSet } from '../../rules/schema';
import type { BusEvent } from '../event-bus';
import { CRASH_POINTS, describePoint, type CrashPoint } from '../lambda/kill-switch';
import {
  LAMBDA_ASYNC_RETRY_DELAYS_MS,
  type AsyncFailure,
  type LambdaFunction,
  type LambdaRunner,
  type LambdaRunnerOptions,
} from '../lambda-runner';
import type { Agenda } from '../pipeline/agenda';
import type { LocalServices } from '../pipeline/services';
import { localClientConfig } from '../sdk-client';
import { judge, type ChaosObservation, type ChaosVerdict } from './invariants';
import { createChaosPlan, type ChaosPlan, type SlackBurst } from './plan';

/** infra/constructs/notifier.ts reserves 10 concurrent executions for the notifier. */
export const NOTIFIER_CONCURRENCY = 10;
/** The Slack methods a burst rate-limits (each is its own tier at Slack; a burst hits all). */
const BURST_METHODS = new Set(['chat.postMessage', 'chat.update', 'conversations.history']);

export interface ChaosSummary {
  seed: number;
  injected: {
    /** Alarm and Insight events AWS emitted. */
    events: number;
    /** Deliveries of them to the notifier (copies included). */
    deliveries: number;
    duplicatedEvents: number;
    /** Events delivered after one that was emitted later. */
    overtaken: number;
    /** Deliveries that arrived together with another one. */
    concurrent: number;
    maxDelayMs: number;
    kills: Record<CrashPoint, number>;
    /** Kills by point and channel (`claimed email`, `accepted slack-root`…). */
    killsAt: Record<string, number>;
    /** Lambda retries of failed or killed tries. */
    retries: number;
    slackBursts: SlackBurst[];
    slack429s: number;
    /** Records the notifier received back from its deferral queue. */
    deferredRecords: number;
    deadLetters: number;
  };
  verdict: ChaosVerdict;
  /** What the verdict was reached on (not written to summary.json: it holds whole messages). */
  observation?: ChaosObservation;
}

export interface ChaosRun {
  plan: ChaosPlan;
  /** What the Lambda runner needs: the kills and Lambda's asynchronous queue. */
  runnerOptions(): Pick<LambdaRunnerOptions, 'crashes' | 'asyncQueue'>;
  /** The notifier as the plan runs it (a sandbox per concurrent invocation). */
  notifier<E, R>(fn: LambdaFunction<E, R>): LambdaFunction<E, R>;
  /** Installs the bus's delivery plan and Slack's bursts (the scenario's fault span). */
  install(span: { firstFaultMs: number; lastFaultEndMs: number }): void;
  /** The bus target: the event into Lambda's asynchronous queue. */
  invoke(runner: LambdaRunner, fn: LambdaFunction<unknown, unknown>): (event: BusEvent) => Promise<void>;
  /** The deferral queue's event source mapping invoke, keyed for the plan. */
  invokeDeferred(
    runner: LambdaRunner,
    fn: LambdaFunction<unknown, unknown>,
  ): (event: SQSEvent) => Promise<unknown>;
  summarize(input: {
    runner: LambdaRunner;
    store: IncidentStore;
    incidents: readonly Incident[];
    reopenWindowMs: number;
  }): Promise<ChaosSummary>;
}

export function createChaosRun(options: {
  /** A seed, or a plan made by hand (plan.ts overrides). */
  seed: number | ChaosPlan;
  services: LocalServices;
  agenda: Agenda;
  ruleSet: RuleSet;
  notifierName: string;
}): ChaosRun {
  const { services: svc, agenda, ruleSet } = options;
  const plan = typeof options.seed === 'number' ? createChaosPlan(options.seed) : options.seed;
  const schedule = (atMs: number, label: string, job: () => Promise<void>) => agenda.at(atMs, label, job);
  const deliveriesOf = new Map<string, number>();
  let bursts: SlackBurst[] = [];
  let deferredRecords = 0;
  const targets = [
    eventRuleName(ruleSet.namePrefix, 'alarms'),
    eventRuleName(ruleSet.namePrefix, 'insights'),
  ];
  // Lambda's own client: its writes are not throttled or failed by the run, so one attempt.
  const sqs = new SQSClient(localClientConfig(svc.sqs.url));

  /** Lambda's on-failure destination: its invocation record (docs/dead-letters.md, §2). */
  async function onFailure(failure: AsyncFailure): Promise<void> {
    const record = {
      version: '1.0',
      timestamp: new Date(failure.atMs).toISOString(),
      requestContext: {
        requestId: failure.requestId,
        functionArn: `arn:aws:lambda:us-east-1:${svc.bus.account}:function:${failure.fn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: failure.attempts,
      },
      requestPayload: failure.event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: failure.error.name, errorMessage: failure.error.message },
    };
    await sqs.send(
      new SendMessageCommand({ QueueUrl: svc.names.deadLetterQueueUrl, MessageBody: JSON.stringify(record) }),
    );
  }

  return {
    plan,
    runnerOptions: () => ({
      crashes: plan.crashes(options.notifierName),
      asyncQueue: { schedule, retryDelaysMs: LAMBDA_ASYNC_RETRY_DELAYS_MS, onFailure },
    }),
    notifier: (fn) => ({ ...fn, maxConcurrency: NOTIFIER_CONCURRENCY }),
    install(span) {
      svc.bus.setDeliveryPlan(plan.delivery(schedule, targets));
      bursts = plan.slackBursts(span);
      for (const burst of bursts) {
        svc.slack?.failNext(
          { kind: 'rate_limited', retryAfterSeconds: burst.retryAfterSeconds },
          {
            times: 100_000,
            when: (call) => {
              const now = Date.now();
              return BURST_METHODS.has(call.method) && now >= burst.startMs && now < burst.endMs;
            },
          },
        );
      }
    },
    invoke: (runner, fn) => (event) => {
      const n = (deliveriesOf.get(event.id) ?? 0) + 1;
      deliveriesOf.set(event.id, n);
      return runner.invokeEvent(fn, event, { key: plan.deliveryKey(event, n) });
    },
    invokeDeferred: (runner, fn) => async (event) => {
      deferredRecords += event.Records.length;
      const first = event.Records[0];
      const body = first ? (JSON.parse(first.body) as { event?: { id?: string }; attempt?: number }) : {};
      const key = plan.deferredKey(body.event?.id ?? 'unknown', body.attempt ?? 0);
      return (await runner.invokeAsync(fn, event, { key })).result;
    },
    async summarize({ runner, store, incidents, reopenWindowMs }) {
      const observation = await observe({ runner, store, incidents, reopenWindowMs });
      const verdict = judge(observation);
      const awsEvents = observation.awsEvents;
      return {
        seed: plan.seed,
        injected: {
          ...deliveryFigures(awsEvents, svc, targets),
          ...killFigures(runner),
          retries: runner.asyncAttempts().filter((a) => a.attempt > 1).length,
          slackBursts: bursts,
          slack429s: svc.slack?.calls().filter((c) => c.status === 429).length ?? 0,
          deferredRecords,
          deadLetters: svc.sqs.messages(svc.names.deadLetterQueueName).length,
        },
        verdict,
        observation,
      };
    },
  };

  /** What the invariants are judged on, read from the stand-ins and the store. */
  async function observe(input: {
    runner: LambdaRunner;
    store: IncidentStore;
    incidents: readonly Incident[];
    reopenWindowMs: number;
  }): Promise<ChaosObservation> {
    const events = svc.bus.events();
    return {
      ruleSet,
      reopenWindowMs: input.reopenWindowMs,
      awsEvents: events.filter((e) => e.source === 'aws.cloudwatch' || e.source === 'aws.xray'),
      incidents: input.incidents,
      rootSnapshots: await rootSnapshots(input.store, input.incidents),
      slackTopLevel: (svc.slack?.channels() ?? []).flatMap((c) => svc.slack?.messages(c.id) ?? []),
      emails: svc.sns.published(svc.names.onCallTopicArn),
      incidentUpdates: events.filter((e) => e['detail-type'] === INCIDENT_UPDATED_DETAIL_TYPE),
      kills: input.runner.kills(),
      emailChannel: deliveryKeys.pageEmail.channel,
    };
  }
}

async function rootSnapshots(
  store: IncidentStore,
  incidents: readonly Incident[],
): Promise<Map<string, RootSnapshot>> {
  const out = new Map<string, RootSnapshot>();
  for (const incident of incidents) {
    const record = await store.deliveries.get(incident.id, deliveryKeys.threadRoot);
    const snapshot = record?.status === 'sent' ? record.detail?.snapshot : undefined;
    if (snapshot) out.set(incident.id, decodeSnapshot(snapshot));
  }
  return out;
}

function deliveryFigures(
  awsEvents: readonly BusEvent[],
  svc: LocalServices,
  targets: readonly string[],
): Pick<
  ChaosSummary['injected'],
  'events' | 'deliveries' | 'duplicatedEvents' | 'overtaken' | 'concurrent' | 'maxDelayMs'
> {
  const deliveries = svc.bus.deliveries().filter((d) => targets.includes(d.targetId));
  const emittedAt = new Map(awsEvents.map((e, i) => [e.id, i]));
  const firstArrival = new Map<string, number>();
  deliveries.forEach((d, i) => {
    if (!firstArrival.has(d.eventId)) firstArrival.set(d.eventId, i);
  });
  const order = [...firstArrival.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => emittedAt.get(id) ?? 0);
  const overtaken = order.filter((seq, i) => order.slice(i + 1).some((later) => later < seq)).length;
  const copies = new Map<string, number>();
  for (const d of deliveries) copies.set(d.eventId, (copies.get(d.eventId) ?? 0) + 1);
  const emitTime = new Map(awsEvents.map((e) => [e.id, Date.parse(e.time)]));
  const delays = deliveries.map(
    (d) => (d.deliveredAtMs ?? 0) - (emitTime.get(d.eventId) ?? d.deliveredAtMs ?? 0),
  );
  return {
    events: awsEvents.length,
    deliveries: deliveries.length,
    duplicatedEvents: [...copies.values()].filter((n) => n > 1).length,
    overtaken,
    concurrent: deliveries.filter((d) => (d.together ?? 1) > 1).length,
    maxDelayMs: Math.max(0, ...delays),
  };
}

function killFigures(runner: LambdaRunner): Pick<ChaosSummary['injected'], 'kills' | 'killsAt'> {
  const kills = Object.fromEntries(CRASH_POINTS.map((p) => [p, 0])) as Record<CrashPoint, number>;
  const killsAt: Record<string, number> = {};
  for (const kill of runner.kills()) {
    kills[kill.point] += 1;
    const at = describePoint(kill);
    killsAt[at] = (killsAt[at] ?? 0) + 1;
  }
  return { kills, killsAt };
}
