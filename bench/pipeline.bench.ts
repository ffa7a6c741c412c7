/**
 * Notifier latency, end to end on the local stand-ins: wall time from the event bus delivering a
 * `CloudWatch Alarm State Change` (registered-user-faults → ALARM) to the Slack stand-in
 * accepting the page's root message, with the X-Ray stand-in holding 1,000 and then 100,000
 * traces that match the rule's group, and adding 50 ms to every GetTraceSummaries page.
 *
 * Targets: ≤ 1.5 s with 1,000 traces (every page read), ≤ 5 s with 100,000 (the enrichment
 * budget runs out first: the page goes out partial, and the rest follows in the thread).
 *
 * Real time here, no virtual clock: the figure is wall time. The notifier runs through the
 * Lambda runner like in `npm start`, with X-Ray tracing off (this measures the notifier, and
 * keeps this process's X-Ray SDK out of Lambda mode for the other suites). Each repetition is
 * a new incident: the alerts table is recreated in between.
 */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { performance } from 'node:perf_hooks';
import { ruleSet } from '../rules';
import type { Trace } from '../rules/filter/trace';
import { alarmName, groupName } from '../rules/names';
import { createAlertsTable } from '../local/alerts-table';
import type { AlarmState } from '../rules/alarm';
import { alarmStateChangeEvent } from '../local/cloudwatch/alarm-event';
import { createLambdaRunner } from '../local/lambda-runner';
import { routeToNotifier } from '../local/pipeline/event-routing';
import { notifierEnvironment, notifierFunction } from '../local/pipeline/functions';
import { ACCOUNT, STAGE, startLocalServices, type LocalServices } from '../local/pipeline/services';
import { messageText } from '../local/pipeline/slack-text';
import { percentile, type BenchFigure, type BenchSuite } from './harness';

const RULE_ID = 'registered-user-faults';
const PAGE_LATENCY_MS = 50;
/**
 * The follow-up after a partial page reads on for whatever the invocation has left; a shorter
 * Lambda timeout than the pipeline's keeps the 100,000-trace runs (and `--quick`) short.
 */
const NOTIFIER_TIMEOUT_S = 12;
const SIZES = [
  { traces: 1_000, users: 50, targetMs: 1_500 },
  { traces: 100_000, users: 5_000, targetMs: 5_000 },
] as const;

function matchingTraces(count: number, users: number, nowMs: number): Trace[] {
  // Spread over the 3 minutes before the alarm, inside the window the notifier queries.
  return Array.from({ length: count }, (_, i) => {
    const startMs = nowMs - 1_000 - Math.floor((i / count) * 170_000);
    return {
      id: `1-${Math.floor(startMs / 1000).toString(16)}-${i.toString(16).padStart(24, '0')}`,
      startTime: startMs / 1000,
      responseTime: 0.08,
      duration: 0.08,
      http: {
        status: 502,
        method: 'POST',
        url: 'https://shop0local.execute-api.us-east-1.amazonaws.com/prod/cart',
      },
      fault: true,
      error: false,
      throttle: false,
      partial: false,
      users: [],
      annotations: { username: [`shopper-${i % users}`], operation: ['cart.add'] },
      services: [{ name: 'shop-api/prod', type: 'AWS::ApiGateway::Stage', root: true, fault: true }],
      availabilityZones: [],
      instanceIds: [],
      resourceArns: [],
    };
  });
}

function alarmEvent(nowMs: number) {
  const rule = ruleSet.rules.find((r) => r.id === RULE_ID);
  if (!rule?.alarm) throw new Error(`${RULE_ID} has no alarm`);
  const previous: AlarmState = {
    value: 'OK',
    reason: 'Threshold Crossed',
    timestamp: new Date(nowMs - 600_000),
  };
  const current: AlarmState = {
    value: 'ALARM',
    reason: 'Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (0.0).',
    reasonData: JSON.stringify({ version: '1.0', statistic: 'Sum', period: 60, threshold: 0 }),
    timestamp: new Date(nowMs),
  };
  return alarmStateChangeEvent(
    {
      alarmName: alarmName(ruleSet.namePrefix, RULE_ID),
      groupName: groupName(ruleSet.namePrefix, RULE_ID),
      description: rule.title,
      settings: rule.alarm,
    },
    previous,
    current,
    ACCOUNT,
  );
}

/** Resolves with the wall time at which the Slack stand-in has accepted one more root post. */
async function nextRootPost(svc: LocalServices, before: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const roots = (svc.slack?.channels() ?? []).reduce(
      (sum, c) => sum + (svc.slack?.messages(c.id).length ?? 0),
      0,
    );
    if (roots > before) return performance.now();
    if (performance.now() > deadline) throw new Error(`no Slack post within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function rootCount(svc: LocalServices): number {
  return (svc.slack?.channels() ?? []).reduce((sum, c) => sum + (svc.slack?.messages(c.id).length ?? 0), 0);
}

const suite: BenchSuite = {
  name: 'pipeline',
  async run({ quick }) {
    const envBefore = { ...process.env };
    const svc = await startLocalServices({ ruleSet, duplicates: 1, advanceClock: () => undefined });
    try {
      Object.assign(process.env, svc.dynamo.env, { POWERTOOLS_TRACE_ENABLED: 'false' });
      const runner = createLambdaRunner({ emit: () => undefined, stage: STAGE, logs: () => undefined });
      const base = notifierFunction({
        ...notifierEnvironment(svc, svc.dynamo.endpoint),
        timeoutSeconds: NOTIFIER_TIMEOUT_S,
      });
      const notifier = {
        ...base,
        env: { ...base.env, POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_TRACE_ENABLED: 'false' },
      };
      await runner.warm(notifier);
      routeToNotifier(svc.bus, ruleSet, (event) => runner.invokeAsync(notifier, event));
      svc.xray.setLatency(PAGE_LATENCY_MS);

      const figures: BenchFigure[] = [];
      const repetitions = quick ? 1 : 3;
      for (const [index, size] of SIZES.entries()) {
        svc.store.clear();
        for (const trace of matchingTraces(size.traces, size.users, Date.now())) svc.store.put(trace);
        const latencies: number[] = [];
        let partial = 0;
        let followUps = 0;
        // The first run in a fresh container pays for connections and the secret: not measured.
        const runs = repetitions + (index === 0 ? 1 : 0);
        for (let run = 0; run < runs; run++) {
          await svc.dynamo.client.send(new DeleteTableCommand({ TableName: svc.names.alertsTable }));
          await createAlertsTable(svc.dynamo.client, svc.names.alertsTable);
          const before = rootCount(svc);
          const start = performance.now();
          const delivered = svc.bus.put(alarmEvent(Date.now()));
          const posted = await nextRootPost(svc, before, 30_000);
          await delivered;
          if (index === 0 && run === 0) continue;
          latencies.push(posted - start);
          const channel = svc.slack?.channels().find((c) => (svc.slack?.messages(c.id).length ?? 0) > 0);
          const root = channel ? svc.slack?.messages(channel.id).at(-1) : undefined;
          const thread = channel && root ? (svc.slack?.thread(channel.id, root.ts) ?? []) : [];
          if (root && /partial/i.test(messageText(root))) partial += 1;
          if (thread.length > 1) followUps += 1;
        }
        const label = `${size.traces.toLocaleString('en-US')} traces`;
        figures.push(
          {
            name: `notifier event → Slack post, ${label}, p50`,
            value: percentile(latencies, 50),
            unit: 'ms',
            target: { op: '<=', value: size.targetMs },
          },
          { name: `notifier event → Slack post, ${label}, max`, value: Math.max(...latencies), unit: 'ms' },
          { name: `pages marked partial, ${label}`, value: partial / latencies.length, unit: 'share' },
          {
            name: `rest posted as thread follow-up, ${label}`,
            value: followUps / latencies.length,
            unit: 'share',
          },
        );
      }
      for (const figure of figures) {
        process.stderr.write(`  ${figure.name}: ${Math.round(figure.value * 1000) / 1000} ${figure.unit}\n`);
      }
      return figures;
    } finally {
      await svc.close();
      for (const key of Object.keys(process.env)) if (!(key in envBefore)) delete process.env[key];
      Object.assign(process.env, envBefore);
    }
  },
};

export default suite;
