/**
 * The notifier run the way Lambda runs it, for the reliability tests: a fake clock shared by
 * the store, the budget and SQS delays; Lambda contexts on it; async invokes retried about a
 * minute and then two minutes after a failure; invocations abandoned where a stand-in never
 * answers (what a killed Lambda looks like from outside).
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { topicArn } from '../../local/sns-server';
import { ruleSet as shippedRuleSet } from '../../rules';
import type { Rule, RuleSet } from '../../rules/schema';
import { handleEvent, type HandleResult } from '../../functions/notifier/handle-event';
import type { ProcessedEvent } from '../../functions/notifier/process-event';
import { notifierDeps, startHarness, type Harness, type TestDeps } from './harness';

export const RULE = 'registered-user-faults';
export const T = new Date('2026-05-04T10:00:00Z');
export const MIN = 60_000;
export const at = (minutes: number) => new Date(T.getTime() + minutes * MIN);
/** Lambda's async retries come about a minute, then two minutes, after a failure. */
export const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

export interface Scenario {
  deps: TestDeps;
  channel: string;
  roots(): ReturnType<Harness['slack']['messages']>;
  emails(): ReturnType<Harness['sns']['published']>;
}

export interface LambdaLike {
  harness(): Harness;
  clock: {
    now(): Date;
    sleep(ms: number): Promise<void>;
    advance(ms: number): void;
    set(ms: number): void;
    ms(): number;
  };
  context(timeoutMs?: number): { awsRequestId: string; getRemainingTimeInMillis(): number };
  scenario(options?: { extraRules?: Rule[] }): Promise<Scenario>;
  invokeAsync(event: unknown, deps: TestDeps, timeoutMs?: number): Promise<HandleResult | Error>;
}

/** Starts the stand-ins for the file and resets the fake clock before each test. */
export function lambdaLike(): LambdaLike {
  let h: Harness | undefined;
  let n = 0;
  let nowMs = T.getTime();
  const clock = {
    now: () => new Date(nowMs),
    // A sleeper wakes `ms` after it fell asleep: sleeps running side by side (the enrichment's
    // parallel workers, the page's and the email's waits) overlap instead of adding up.
    sleep: async (ms: number) => {
      const wake = nowMs + ms;
      await Promise.resolve();
      nowMs = Math.max(nowMs, wake);
    },
    advance: (ms: number) => {
      nowMs += ms;
    },
    set: (ms: number) => {
      nowMs = ms;
    },
    ms: () => nowMs,
  };
  const harness = () => {
    if (!h) throw new Error('the harness is not started');
    return h;
  };
  beforeAll(async () => {
    h = await startHarness();
    h.setClock(clock.now);
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    harness().traces.clear();
    nowMs = T.getTime();
  });

  const context = (timeoutMs = 60_000) => {
    const deadline = clock.now().getTime() + timeoutMs;
    return {
      awsRequestId: `req-${++n}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now().getTime()),
    };
  };

  return {
    harness,
    clock,
    context,
    async scenario(options = {}) {
      const hh = harness();
      const channel = `rel-${++n}`;
      const topic = topicArn(`rel-${n}`);
      hh.slack.addChannel({ name: channel });
      hh.sns.addTopic(topic);
      const deps = await notifierDeps(hh, {
        ruleSet: ruleSetWith(channel, options.extraRules),
        now: clock.now,
        sleep: clock.sleep,
      });
      deps.onCallTopicArn = topic;
      return {
        deps,
        channel,
        roots: () => hh.slack.messages(channel),
        emails: () => hh.sns.published(topic),
      };
    },
    async invokeAsync(event, deps, timeoutMs = 60_000) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await handleEvent(structuredClone(event), context(timeoutMs), deps);
        } catch (error) {
          const delay = LAMBDA_RETRY_DELAYS_MS[attempt];
          if (delay === undefined) return error as Error;
          clock.advance(delay);
        }
      }
    },
  };
}

function ruleSetWith(channel: string, extra: Rule[] = []): RuleSet {
  return {
    ...shippedRuleSet,
    routing: { slackChannels: [...shippedRuleSet.routing.slackChannels, { name: channel }] },
    rules: [
      ...shippedRuleSet.rules.map((r) =>
        r.id === RULE ? { ...r, routes: { ...r.routes, slack: channel } } : r,
      ),
      ...extra.map((r) => ({ ...r, routes: { ...r.routes, slack: channel } })),
    ],
  };
}

export function processed(result: HandleResult | Error): ProcessedEvent {
  if (result instanceof Error) throw result;
  if (result.kind !== 'processed')
    throw new Error(`expected a processed event, got ${JSON.stringify(result)}`);
  return result;
}

export function settled(result: HandleResult | Error): HandleResult {
  if (result instanceof Error) throw result;
  return result;
}

/** Starts an invocation that will hang at a stand-in; returns once it is stuck there. */
export async function abandoned(run: Promise<unknown>, stuck: () => boolean): Promise<void> {
  run.catch(() => undefined);
  for (let i = 0; i < 400 && !stuck(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(stuck()).toBe(true);
}
