/**
 * The project's own test alert (source `<prefix>.alerting`, detail-type `Test Alert`), sent by
 * `npm run rules -- fire` on the test-alert bus to prove a rule's route end to end. Pages are
 * marked TEST. `route` and `email` say how far it may go (test-alert-route.ts): by default the
 * test channel only, never the on-call email.
 */
import { z } from 'zod';
import { ruleIdSchema } from '../../rules/schema';
import { tracesQueryConsoleUrl } from '../../templates/urls';
import type { ParseResult } from './alert';
import { parseOrThrow, type Envelope } from './event-schema';

const testDetailSchema = z.object({
  ruleId: ruleIdSchema,
  state: z.enum(['firing', 'resolved']),
  note: z.string().max(2_000).optional(),
  /** `test-channel`: the rule set's test channel; `rule`: the rule's own Slack channel. */
  route: z.enum(['test-channel', 'rule']).default('test-channel'),
  /** Also mail the on-call topic, when the rule mails on-call itself. */
  email: z.boolean().default(false),
});

export function parseTestAlert(envelope: Envelope): ParseResult {
  const detail = parseOrThrow(testDetailSchema, envelope.detail, 'test alert detail');
  const note = detail.note?.trim() || undefined;
  return {
    kind: 'alert',
    alert: {
      kind: 'test',
      ruleId: detail.ruleId,
      state: detail.state,
      eventId: envelope.id,
      region: envelope.region,
      account: envelope.account,
      eventTime: envelope.time,
      changedAt: envelope.time,
      window: { start: envelope.time, end: detail.state === 'resolved' ? envelope.time : undefined },
      title: `Test alert for rule ${detail.ruleId}`,
      reason:
        note ?? 'This is a test alert: nothing is wrong. It checks that this rule reaches its channels.',
      reasonData: undefined,
      impact: undefined,
      rootCauseService: undefined,
      topAnomalousServices: [],
      links: { traces: tracesQueryConsoleUrl(envelope.region) },
      test: { note, route: detail.route, email: detail.email },
    },
  };
}
