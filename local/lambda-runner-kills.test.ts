/**
 * The Lambda runner's kills and asynchronous queue: an invocation dies at the crash plan's
 * probe point (nothing after it runs, its later HTTP requests never leave, its output is
 * dropped), and a failed or killed try is retried about one and then two minutes later; what
 * fails all three tries goes to the on-failure callback.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedProbe } from '../functions/notifier/ports';
import { createAgenda } from './pipeline/agenda';
import { STAGE } from './pipeline/services';
import {
  createLambdaRunner,
  LAMBDA_ASYNC_RETRY_DELAYS_MS,
  type AsyncFailure,
  type CrashPlan,
  type LambdaFunction,
} from './lambda-runner';

const T0 = Date.parse('2026-11-22T21:00:00Z');
let hits: string[] = [];
let url = '';
const server = createServer((req, res) => {
  hits.push(req.url ?? '');
  res.end('ok');
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (path: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request(`${url}${path}`, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });

function setup(plan: (attempt: number) => CrashPlan | undefined, handler: () => Promise<string>) {
  let now = T0;
  const agenda = createAgenda();
  const failures: AsyncFailure[] = [];
  const logs: string[] = [];
  const runner = createLambdaRunner({
    emit: () => undefined,
    stage: STAGE,
    now: () => now,
    logs: (_fn, _stream, text) => logs.push(text),
    crashes: { plan: (info) => plan(info.attempt) },
    asyncQueue: {
      schedule: (atMs, label, job) => agenda.at(atMs, label, job),
      onFailure: (failure) => void failures.push(failure),
    },
  });
  const fn: LambdaFunction<unknown, unknown> = { name: 'uia-notifier', load: async () => handler };
  const drain = () => agenda.runUntil(Number.POSITIVE_INFINITY, (at) => (now = at));
  return { runner, fn, drain, failures, logs, at: () => now };
}

describe('lambda runner: kills at probe points', () => {
  it('stops the invocation at its probe: nothing after it runs, its later requests never leave, its output is dropped', async () => {
    hits = [];
    let afterProbe = false;
    const s = setup(
      (attempt) => (attempt === 1 ? { point: 'claimed', occurrence: 2 } : undefined),
      async () => {
        await get('/before');
        await installedProbe('claimed', { channel: 'slack-root' });
        await get('/between');
        process.stdout.write('still alive\n');
        await installedProbe('claimed', { channel: 'email' });
        afterProbe = true;
        await get('/after');
        return 'done';
      },
    );
    await expect(s.runner.invokeAsync(s.fn, {}, { key: 'e1' })).rejects.toThrow(
      /Task timed out \(killed at claimed email\)/,
    );
    expect(afterProbe).toBe(false);
    expect(hits).toEqual(['/before', '/between']);
    expect(s.logs.join('')).toContain('still alive');
    expect(s.runner.kills()).toMatchObject([
      { fn: 'uia-notifier', attempt: 1, key: 'e1', point: 'claimed', detail: { channel: 'email' } },
    ]);
    s.runner.close();
  });

  it('kills at `returning` after the handler finished: its work is done, Lambda never heard', async () => {
    hits = [];
    const s = setup(
      () => ({ point: 'returning', occurrence: 1 }),
      async () => {
        await get('/work');
        return 'done';
      },
    );
    await expect(s.runner.invokeAsync(s.fn, {})).rejects.toThrow(/killed at returning/);
    expect(hits).toEqual(['/work']);
    s.runner.close();
  });

  it('drops what a killed invocation writes later, and refuses the requests it still tries', async () => {
    hits = [];
    let release: () => void = () => undefined;
    const s = setup(
      () => ({ point: 'accepted', occurrence: 1 }),
      async () => {
        // A line of work the kill does not stop at once (it waits on a timer, not on a probe).
        void new Promise<void>((resolve) => (release = resolve)).then(async () => {
          process.stdout.write('written after the kill\n');
          await get('/late').catch(() => undefined);
        });
        await installedProbe('accepted', { channel: 'email', incidentId: 'i-1' });
        return 'unreachable';
      },
    );
    await expect(s.runner.invokeAsync(s.fn, {})).rejects.toThrow(/killed at accepted email/);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hits).toEqual([]);
    expect(s.logs.join('')).not.toContain('written after the kill');
    expect(s.runner.kills()[0]!.refused).toBe(1);
    s.runner.close();
  });
});

describe("lambda runner: Lambda's asynchronous retries", () => {
  it('retries a failed or killed try about one and then two minutes later, and hands over what fails three times', async () => {
    const starts: number[] = [];
    const s = setup(
      (attempt) => (attempt === 2 ? { point: 'decided', occurrence: 1 } : undefined),
      async () => {
        starts.push(s.at());
        await installedProbe('decided', {});
        throw new Error('RetryableError: slack: 500');
      },
    );
    await s.runner.invokeEvent(s.fn, { id: 'ev-1' }, { key: 'e1.c1' });
    await s.drain();
    expect(LAMBDA_ASYNC_RETRY_DELAYS_MS).toEqual([60_000, 120_000]);
    expect(starts.map((t) => t - T0)).toEqual([0, 60_000, 180_000]);
    expect(s.runner.asyncAttempts().map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'failed'],
      [2, 'killed'],
      [3, 'failed'],
    ]);
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0]).toMatchObject({
      fn: 'uia-notifier',
      event: { id: 'ev-1' },
      attempts: 3,
      atMs: T0 + 180_000,
    });
    s.runner.close();
  });

  it('stops retrying once a try succeeds', async () => {
    let calls = 0;
    const s = setup(
      () => undefined,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first try fails');
        return 'ok';
      },
    );
    await s.runner.invokeEvent(s.fn, {});
    await s.drain();
    expect(calls).toBe(2);
    expect(s.runner.asyncAttempts().map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(s.failures).toEqual([]);
    s.runner.close();
  });
});
