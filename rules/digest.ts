import type { RuleSetInput } from './schema';

/** Managers' summary: Mondays 08:00 London time, counts only (no usernames). */
export const digest = {
  cadence: 'weekly',
  weekday: 'MON',
  hour: 8,
  timezone: 'Europe/London',
  recipients: [],
  nameUsers: false,
} satisfies RuleSetInput['digest'];
