/**
 * The body Slack posts to the interactivity URL: `application/x-www-form-urlencoded` with one
 * field, `payload`, holding JSON (docs/slack-interactivity.md). We accept `block_actions` from
 * the root's buttons only (templates/slack-actions.ts), validated with zod and turned into one
 * typed `Interaction`; anything else is `not-a-slack-payload` or `unknown-action` (HTTP 400).
 */
import { z } from 'zod';
import { USERS_PAGE_ACTION } from '../../templates/slack-action-notes';
import { ROOT_ACTION, SILENCE_MINUTES } from '../../templates/slack-actions';
import { slackUserIdSchema } from '../shared/incidents/model';

const valueSchema = z.object({
  incident: z.string().min(1).max(300),
  page: z.number().int().min(0).max(1000).optional(),
});

const actionSchema = z.object({
  action_id: z.string().min(1).max(255),
  block_id: z.string().max(255).optional(),
  value: z.string().max(2000).optional(),
  action_ts: z.string().min(1),
});

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({
    id: slackUserIdSchema,
    username: z.string().max(80).optional(),
    name: z.string().max(80).optional(),
  }),
  team: z
    .object({ id: z.string().min(1) })
    .nullable()
    .optional(),
  trigger_id: z.string().min(1).optional(),
  response_url: z.url({ protocol: /^https?$/ }),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  actions: z.array(actionSchema).min(1).max(5),
});

export type ActionKind = 'acknowledge' | 'silence' | 'resolve' | 'users' | 'traces';

export interface Interaction {
  kind: ActionKind;
  /** Incident named by the button's value (absent for the traces link, which carries none). */
  incidentId: string | undefined;
  /** Silence length; users-list page. */
  minutes?: number;
  page?: number;
  user: { id: string; name: string | undefined };
  responseUrl: string;
  /** Slack's `action_ts`: with the user, names the click (a retried hand-off repeats nothing). */
  actionTs: string;
}

export type ParseOutcome =
  | { ok: true; interaction: Interaction }
  | { ok: false; reason: 'not-a-slack-payload' | 'unknown-action'; detail: string };

const KINDS: Readonly<Record<string, ActionKind>> = {
  [ROOT_ACTION.acknowledge]: 'acknowledge',
  [ROOT_ACTION.silence1h]: 'silence',
  [ROOT_ACTION.silence4h]: 'silence',
  [ROOT_ACTION.resolve]: 'resolve',
  [ROOT_ACTION.users]: 'users',
  [USERS_PAGE_ACTION.previous]: 'users',
  [USERS_PAGE_ACTION.next]: 'users',
  [ROOT_ACTION.traces]: 'traces',
};

export function parsePayload(rawBody: string): ParseOutcome {
  const field = new URLSearchParams(rawBody).get('payload');
  if (field === null) return { ok: false, reason: 'not-a-slack-payload', detail: 'no form field "payload"' };
  let json: unknown;
  try {
    json = JSON.parse(field);
  } catch {
    return { ok: false, reason: 'not-a-slack-payload', detail: '"payload" is not JSON' };
  }
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: 'not-a-slack-payload', detail: z.prettifyError(parsed.error).slice(0, 300) };
  }
  const p = parsed.data;
  // Slack sends one action per click; a payload with several is not one of our buttons'.
  const action = p.actions[0]!;
  const kind = KINDS[action.action_id];
  if (!kind) return { ok: false, reason: 'unknown-action', detail: `action_id "${action.action_id}"` };
  const base = {
    kind,
    user: { id: p.user.id, name: p.user.username ?? p.user.name },
    responseUrl: p.response_url,
    actionTs: action.action_ts,
  };
  if (kind === 'traces') return { ok: true, interaction: { ...base, incidentId: undefined } };
  const value = parseValue(action.value);
  if (!value)
    return { ok: false, reason: 'not-a-slack-payload', detail: 'the button value names no incident' };
  const minutes = SILENCE_MINUTES[action.action_id as keyof typeof SILENCE_MINUTES];
  return {
    ok: true,
    interaction: {
      ...base,
      incidentId: value.incident,
      ...(minutes !== undefined ? { minutes } : {}),
      ...(kind === 'users' ? { page: value.page ?? 0 } : {}),
    },
  };
}

function parseValue(value: string | undefined): z.infer<typeof valueSchema> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = valueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
