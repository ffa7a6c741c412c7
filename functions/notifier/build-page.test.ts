import { GetTraceSummariesCommand, ThrottledException, XRayClient } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ruleSet } from '../../rules';
import { slackLimitViolations, type SlackMessage } from '../../templates/slack-alert';
import { buildPage, type BuildPageDeps, type BuiltPage } from './build-page';
import { PermanentError } from './errors';
import { fakeClock, fixture, recordingLogger, summary, withValue, type FakeClock } from './test-support';

const xrayMock = mockClient(XRayClient);
let clock: FakeClock;

function deps(extra: Partial<BuildPageDeps> = {}): BuildPageDeps {
  return {
    ruleSet,
    eventAccounts: ['123456789012'],
    xray: new XRayClient({ region: 'us-east-1', maxAttempts: 1 }),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    logger: recordingLogger(),
    abortAfter: () => new AbortController().signal,
    ...extra,
  };
}

function slackText(message: SlackMessage): string {
  return [
    message.text,
    ...message.blocks.flatMap((b) =>
      b.type === 'context'
        ? b.elements.map((e) => e.text)
        : b.type === 'divider' || b.type === 'actions'
          ? []
          : [b.text.text],
    ),
  ].join('\n');
}

function page(result: Awaited<ReturnType<typeof buildPage>>): BuiltPage {
  if (result.kind !== 'page') throw new Error(`ignored: ${result.reason}`);
  return result;
}

beforeEach(() => {
  xrayMock.reset();
  clock = fakeClock('2019-10-02T17:06:00Z');
});

describe('buildPage', () => {
  it('turns an alarm event into a page that names the affected users', async () => {
    // The window is read in sub-windows: one of them holds the traces.
    xrayMock
      .on(GetTraceSummariesCommand)
      .resolvesOnce({
        TraceSummaries: [
          summary({
            user: 'maria',
            fault: true,
            faultRootCause: [{ name: 'cart-table', type: 'AWS::DynamoDB::Table' }],
          }),
          summary({ user: 'maria', fault: true }),
          summary({ user: 'li', fault: true }),
          summary({ user: 'anonymous', fault: true }),
        ],
        $metadata: {},
      })
      .resolves({ TraceSummaries: [], $metadata: {} });
    const result = page(await buildPage(fixture('alarm-threshold'), deps({ samplingRate: 0.5 })));
    expect(result.rule.id).toBe('registered-user-faults');
    expect(result.alert.state).toBe('firing');
    expect(result.enrichment.reason).toBeUndefined();
    expect(result.enrichment).toMatchObject({ status: 'complete', distinctUsers: 2, anonymousRequests: 1 });
    // maria twice, li once: one singleton leaves nothing to extrapolate from.
    expect(result.enrichment.estimate).toMatchObject({ seen: 2, seenOnce: 1, seenTwice: 1, estimate: 2 });
    const text = slackText(result.slack);
    expect(text).toContain('*Affected:* 2 registered users seen, about 2 affected; 1 anonymous request');
    expect(text).toContain('*Users seen in sampled traces*');
    expect(text).toContain('• maria — 2 faults / 2 requests');
    expect(text).toContain('cart-table (AWS::DynamoDB::Table): 1 faulted trace');
    expect(text).toContain('sampling rate 50%');
    expect(result.email.subject).toBe(
      '[PAGE] FIRING: Faults for registered shoppers - about 2 users affected (2 seen)',
    );
    expect(result.email.body).toContain('  1. maria - 2 faults / 2 requests');
    expect(slackLimitViolations(result.slack)).toEqual([]);
  });

  it('ignores events that are not ours without calling X-Ray', async () => {
    const result = await buildPage(fixture('alarm-foreign-threshold'), deps());
    expect(result).toEqual({ kind: 'ignored', reason: expect.stringContaining('ServerCpuTooHigh') });
    expect(xrayMock).not.toHaveReceivedCommand(GetTraceSummariesCommand);
  });

  it('still pages, marked partial, when X-Ray throttles until the budget ends', async () => {
    xrayMock
      .on(GetTraceSummariesCommand)
      .rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    const started = clock.now().getTime();
    const result = page(await buildPage(fixture('insight-active'), deps()));
    expect(result.enrichment.status).toBe('partial');
    const budget = ruleSet.rules.find((r) => r.id === 'registered-user-faults')!.enrichment.timeBudgetMs;
    expect(clock.now().getTime() - started).toBeLessThan(budget);
    expect(slackText(result.slack)).toMatch(
      /Still reading traces \(still reading: 0 of \d+ time slices, X-Ray throttled \d+ calls\): this page is updated/,
    );
    expect(result.email.subject).toMatch(/ - finding affected users$/);
    expect(result.email.body).toContain('Note: Still reading traces (');
  });

  it('still pages with "users unknown" when enrichment fails', async () => {
    xrayMock
      .on(GetTraceSummariesCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = page(await buildPage(fixture('alarm-threshold'), deps()));
    expect(result.enrichment.status).toBe('failed');
    expect(slackText(result.slack)).toContain(
      'Users unknown (X-Ray GetTraceSummaries failed: AccessDeniedException: denied)',
    );
    expect(result.email.subject).toMatch(/users unknown$/);
  });

  it('marks test alerts TEST on both channels', async () => {
    clock = fakeClock('2024-01-01T09:00:30Z');
    xrayMock.on(GetTraceSummariesCommand).resolves({ TraceSummaries: [], $metadata: {} });
    const result = page(await buildPage(fixture('test-alert'), deps()));
    expect(result.slack.text.startsWith('[TEST] ')).toBe(true);
    expect(result.email.subject.startsWith('[TEST] ')).toBe(true);
  });

  it('throws PermanentError for a malformed event of ours', async () => {
    const event = withValue(fixture('alarm-threshold'), ['detail', 'state', 'timestamp'], 'later');
    await expect(buildPage(event, deps())).rejects.toBeInstanceOf(PermanentError);
    expect(xrayMock).not.toHaveReceivedCommand(GetTraceSummariesCommand);
  });
});
