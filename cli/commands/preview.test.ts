import type { XRayClient } from '@aws-sdk/client-xray';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixture, summary, withValue } from '../../functions/notifier/test-support';
import { ruleSet } from '../../rules';
import { run } from './preview';

const dir = mkdtempSync(join(tmpdir(), 'preview-'));
function file(name: string, event: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(event));
  return path;
}

function capture() {
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  return {
    out: () => out.mock.calls.map((c) => String(c[0])).join('\n'),
    err: () => err.mock.calls.map((c) => String(c[0])).join('\n'),
  };
}

const unusedXray = () => ({ send: vi.fn() }) as unknown as Pick<XRayClient, 'send'>;

describe('rules preview', () => {
  afterEach(() => vi.restoreAllMocks());

  it('renders the page for one of our alarms offline, with users unknown and both routes', async () => {
    const io = capture();
    const xray = unusedXray();
    expect(await run([file('alarm', fixture('alarm-threshold'))], { ruleSet, xray: () => xray })).toBe(0);
    expect(xray.send).not.toHaveBeenCalled();
    const text = io.out();
    expect(text).toContain('== Slack (#shop-oncall) ==');
    expect(text).toContain('FIRING · PAGE · Faults for registered shoppers');
    expect(text).toContain('Users unknown (X-Ray GetTraceSummaries failed');
    expect(text).toContain('https://runbooks.example.com/shop/registered-user-faults');
    expect(text).toContain('Subject: [PAGE] FIRING: Faults for registered shoppers - users unknown');
  });

  it('names the affected users with --enrich', async () => {
    const io = capture();
    // The window is read in sub-windows: the traces come back from one of them, the rest are empty.
    const send = vi.fn(async () => ({ TraceSummaries: [], TracesProcessedCount: 0 }));
    send.mockResolvedValueOnce({
      TraceSummaries: [summary({ user: 'ada', fault: true }), summary({ user: 'ada', fault: true })] as never,
      TracesProcessedCount: 2,
    });
    const xray = { send } as unknown as Pick<XRayClient, 'send'>;
    expect(
      await run(['--enrich', file('alarm', fixture('alarm-threshold'))], { ruleSet, xray: () => xray }),
    ).toBe(0);
    expect(xray.send).toHaveBeenCalled();
    expect(io.out()).toMatch(/ada — 2 faults \/ 2 requests/);
  });

  it('says when the notifier would ignore an event that is not ours', async () => {
    const io = capture();
    expect(
      await run([file('foreign', fixture('alarm-foreign-threshold'))], { ruleSet, xray: unusedXray }),
    ).toBe(1);
    expect(io.err()).toContain('the notifier would ignore this event');
  });

  it('says when the notifier would dead-letter a malformed event of ours', async () => {
    const io = capture();
    const broken = withValue(fixture('alarm-threshold'), ['detail', 'state', 'value'], 'MAYBE');
    expect(await run([file('broken', broken)], { ruleSet, xray: unusedXray })).toBe(1);
    expect(io.err()).toContain('the notifier would dead-letter this event');
  });

  it('exits 2 on bad usage or an unreadable file', async () => {
    const io = capture();
    expect(await run([], { ruleSet, xray: unusedXray })).toBe(2);
    expect(await run([join(dir, 'missing.json')], { ruleSet, xray: unusedXray })).toBe(2);
    expect(io.err()).toContain('usage: rules preview');
    expect(io.err()).toContain('cannot read');
  });
});
