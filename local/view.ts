/**
 * The live terminal view of a run: faults on, virtual time, traffic, alarm states, open Insights,
 * events and pages, and the latest happenings. Plain ANSI redrawn in place on a TTY; plain
 * lines (one per happening and per virtual minute) when output is not a terminal or CI=true.
 *
 * It writes through the `write` it was given at creation, so it still reaches the terminal
 * while the Lambda runner redirects the functions' stdout to their logs.
 */
import type { BusEvent, Delivery } from './event-bus';
import type { ApiInvocation } from './lambda-runner';
import type { MinuteReport } from './pipeline/minute-loop';
import type { MinuteState, PipelineReporter } from './pipeline/run';
import type { PlannedRequest } from './scenario/plan';
import type { Fault } from './scenario/scenario';

export interface ViewOptions {
  live: boolean;
  write: (text: string) => void;
  /** Virtual time source (Date.now under the virtual clock). */
  now?: () => number;
  refreshMs?: number;
}

export interface View extends PipelineReporter {
  close(): void;
}

const ANSI = {
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[39m`,
};

const RECENT = 8;

export function createView(options: ViewOptions): View {
  // Looked up on every call: the virtual clock replaces Date after the view is created.
  const now = options.now ?? (() => Date.now());
  const state = {
    faultsOn: new Set<string>(),
    requests: 0,
    ok: 0,
    clientErrors: 0,
    faults: 0,
    slow: 0,
    alarms: {} as Record<string, string>,
    insights: [] as string[],
    events: 0,
    pages: 0,
    recent: [] as string[],
  };
  let drawnLines = 0;
  let closed = false;
  const timer = options.live ? setInterval(draw, options.refreshMs ?? 100) : undefined;
  timer?.unref();

  function clock(): string {
    return new Date(now()).toISOString().slice(11, 19);
  }

  function happening(text: string): void {
    const line = `${clock()} ${text}`;
    if (!options.live) {
      options.write(`${line}\n`);
      return;
    }
    state.recent.push(line);
    if (state.recent.length > RECENT) state.recent.shift();
  }

  function draw(): void {
    if (closed) return;
    const faults = state.faultsOn.size > 0 ? ANSI.red([...state.faultsOn].join(', ')) : ANSI.green('none');
    const alarms = Object.entries(state.alarms)
      .map(([rule, value]) => `${rule} ${value === 'ALARM' ? ANSI.red(value) : value}`)
      .join('   ');
    const lines = [
      `${ANSI.bold('user-impact alerting, local run')}   faults on: ${faults}   ${clock()} virtual`,
      `traffic   ${state.requests} requests: ${state.ok} ok, ${state.clientErrors} 4xx, ${ANSI.red(String(state.faults))} 5xx, ${state.slow} over 3 s`,
      `alarms    ${alarms || ANSI.dim('(not evaluated yet)')}`,
      `insights  ${state.insights.length > 0 ? ANSI.red(state.insights.join(', ')) : ANSI.dim('none open')}`,
      `alerts    ${state.events} events on the bus, ${state.pages} pages sent (Slack posts + emails)`,
      ANSI.dim('── latest ──'),
      ...state.recent,
    ];
    const erase = drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : '';
    options.write(`${erase}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  }

  return {
    fault(fault: Fault, on: boolean) {
      if (on) state.faultsOn.add(fault.name);
      else state.faultsOn.delete(fault.name);
      const what = fault.what.kind === 'latency' ? `${fault.what.ms} ms latency` : fault.what.kind;
      happening(
        on
          ? `fault ${fault.name} on: ${what} on ${fault.dependency} (${fault.operations.join(', ')})`
          : `fault ${fault.name} off`,
      );
    },
    request(_planned: PlannedRequest, invocation: ApiInvocation) {
      state.requests += 1;
      const status = invocation.response.statusCode;
      if (status >= 500) state.faults += 1;
      else if (status >= 400) state.clientErrors += 1;
      else state.ok += 1;
      if (invocation.endMs - invocation.startMs > 3_000) state.slow += 1;
    },
    minute(report: MinuteReport, current: MinuteState) {
      state.alarms = current.alarms;
      state.insights = current.insights;
      state.pages = current.pages;
      if (!options.live) {
        const counts = Object.entries(report.counts)
          .map(([rule, n]) => `${rule}=${n}`)
          .join(' ');
        happening(
          `minute ${new Date(report.minuteStartMs).toISOString().slice(11, 16)} traces per group: ${counts}`,
        );
      } else draw();
    },
    event(event: BusEvent, deliveries: Delivery[]) {
      state.events += 1;
      const detail = event.detail as Record<string, unknown>;
      const what =
        event['detail-type'] === 'CloudWatch Alarm State Change'
          ? `alarm ${String(detail.alarmName)} → ${String((detail.state as { value?: unknown } | undefined)?.value)}`
          : `insight ${String(detail.GroupName)} ${String(detail.State)}`;
      const failed = deliveries.filter((d) => d.outcome === 'dead-lettered').length;
      happening(`${what}; delivered ${deliveries.length}×${failed > 0 ? `, ${failed} dead-lettered` : ''}`);
    },
    note(text: string) {
      happening(text);
    },
    close() {
      if (closed) return;
      if (timer) clearInterval(timer);
      if (options.live) draw();
      closed = true;
    },
  };
}
