/**
 * The rule set's shape. Every field has a documented default so a rule file states only
 * what makes it different; `loadRuleSet()` adds the checks that need the whole set.
 */
import { z } from 'zod';

/** Rule ids become part of AWS names (see names.ts), so they are kebab-case ASCII. */
export const ruleIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be kebab-case: lower-case letters, digits and single dashes');

export const severitySchema = z.enum(['page', 'ticket', 'info']);
export type Severity = z.infer<typeof severitySchema>;

export const groupSchema = z
  .object({
    /** X-Ray filter expression; it only applies to traces recorded after the group exists. */
    filterExpression: z.string().trim().min(1, 'a group needs a filter expression'),
    /** X-Ray Insights on this group (anomaly detection on its fault rate). */
    insights: z.boolean().default(true),
    /** Insight events to EventBridge; AWS accepts this only when `insights` is on. */
    insightNotifications: z.boolean().default(true),
  })
  .strict();

export const alarmStatisticSchema = z.enum(['Sum', 'Maximum', 'Minimum', 'Average', 'SampleCount']);
export const comparisonSchema = z.enum([
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);
export const missingDataSchema = z.enum(['breaching', 'notBreaching', 'ignore', 'missing']);

/**
 * Alarm on the group's `ApproximateTraceCount`. Defaults follow the seed tutorial: one
 * one-minute period, Sum, `> 0`, and missing data is "not breaching" because X-Ray publishes
 * no datapoint for a minute in which no trace matched.
 */
export const alarmSchema = z
  .object({
    statistic: alarmStatisticSchema.default('Sum'),
    periodSeconds: z.number().int().positive().default(60),
    evaluationPeriods: z.number().int().min(1).default(1),
    /** Defaults to `evaluationPeriods` (all of them must breach). */
    datapointsToAlarm: z.number().int().min(1).optional(),
    threshold: z.number().finite().default(0),
    comparison: comparisonSchema.default('GreaterThanThreshold'),
    treatMissingData: missingDataSchema.default('notBreaching'),
  })
  .strict()
  .transform((alarm) => ({
    ...alarm,
    datapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
  }));

export const emailRouteSchema = z.enum(['immediate', 'digest', 'none']);

export const routesSchema = z
  .object({
    /** Slack channel name as listed in the rule set's routing config, without `#`. */
    slack: z.string().min(1).optional(),
    /** `immediate`: mail the on-call topic; `digest`: only the manager digest; `none`. */
    email: emailRouteSchema.default('digest'),
  })
  .strict();

export const enrichmentSchema = z
  .object({
    /**
     * How long one invocation reads GetTraceSummaries before the rest is continued in another
     * (deferred through the deferral queue); the page never waits for it.
     */
    timeBudgetMs: z.number().int().min(100).max(60_000).default(20_000),
    /** Most GetTraceSummaries pages read per invocation (the rest continues in the next). */
    maxPages: z.number().int().min(1).max(100_000).default(10_000),
    /**
     * GetTraceSummaries calls a second (all sub-windows together), halved on each throttle.
     * X-Ray documents no quota for it and the limit is the account's: 5 leaves room for the
     * console and other readers; raise it for rules whose incidents hold 100,000s of traces.
     */
    xrayRequestsPerSecond: z.number().min(0.5).max(50).default(5),
    /** How long the thread root waits for the first GetTraceSummaries page before it posts. */
    firstLookMs: z.number().int().min(0).max(5_000).default(600),
    /** How long the page email waits for users before it goes with what is known. */
    emailWaitMs: z.number().int().min(0).max(30_000).default(2_000),
    /** Most trace summaries aggregated per alert. */
    maxTraces: z.number().int().min(1).max(10_000_000).default(1_000_000),
    /** Users listed by name in a page, ranked by impact; the total is still counted. */
    topUsers: z.number().int().min(1).max(500).default(20),
    /** Example trace links per page. */
    exampleTraces: z.number().int().min(0).max(20).default(3),
    /** Whether usernames may leave the notifier in `Incident Updated` events. */
    shareUsernames: z.boolean().default(false),
  })
  .strict();

/**
 * Severity from the impact, decided once the users are known (at most `enrichment.emailWaitMs`
 * after the event): the rule pages only when enough registered users are hurt, else it is
 * `otherwise`. An impact that cannot be established in time (X-Ray failed or is still reading
 * below the bar) pages: a page that should not have been beats one that never was.
 */
export const impactRuleSchema = z
  .object({
    pageWhen: z.object({ registeredUsersAtLeast: z.number().int().min(1) }).strict(),
    otherwise: z.enum(['ticket', 'info']).default('ticket'),
  })
  .strict();

export const silenceSchema = z
  .object({
    /** ISO-8601 instant with an offset, e.g. `2026-12-01T00:00:00Z`. */
    until: z.iso.datetime({ offset: true }),
    reason: z.string().trim().min(1, 'a silence needs a reason'),
    createdBy: z.string().min(1).optional(),
  })
  .strict();

/** A Slack user group's id (`S…`), as `usergroups.list` returns it and its page's URL shows it. */
export const slackUserGroupIdSchema = z
  .string()
  .regex(
    /^S[A-Z0-9]{6,}$/,
    'a Slack user-group id looks like S0123ABCD (usergroups.list, or the group’s page URL); not its @handle',
  );

/**
 * Escalation of a page nobody acknowledges (PagerDuty's escalation rule, Grafana OnCall's
 * escalation chain): `afterMinutes` after the page, mention `notify.slackUserGroup` in the thread
 * and send the page email again; then up to `repeats` more times, `afterMinutes` apart. Stops
 * when someone acknowledges or resolves, or the incident resolves.
 */
export const escalationSchema = z
  .object({
    /** Minutes from the page (and between repeats) with nobody acknowledging. */
    afterMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    notify: z
      .object({
        /** Mentioned in the incident's thread (needs `routes.slack`). */
        slackUserGroup: slackUserGroupIdSchema.optional(),
        /** Send the page email again to the on-call topic, marked as an escalation. */
        email: z.boolean().default(true),
      })
      .strict(),
    /** Escalations after the first. */
    repeats: z.number().int().min(0).max(10).default(0),
  })
  .strict();
export type EscalationPolicy = z.output<typeof escalationSchema>;

/** Who may press the page's buttons (Acknowledge, Silence, Resolve, All affected users). */
export const responderActionsSchema = z
  .object({
    /** Members of any of these Slack user groups; empty: anyone who can see the page. */
    allowedUserGroups: z.array(slackUserGroupIdSchema).default([]),
  })
  .strict();

export const ruleSchema = z
  .object({
    id: ruleIdSchema,
    title: z.string().trim().min(1).max(120),
    description: z.string().trim().min(1),
    severity: severitySchema,
    group: groupSchema,
    alarm: alarmSchema.optional(),
    routes: routesSchema.default({ email: 'digest' }),
    runbookUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    enrichment: enrichmentSchema.default(enrichmentSchema.parse({})),
    silences: z.array(silenceSchema).default([]),
    /**
     * Rules this one silences while one of its incidents is open (Alertmanager's
     * `inhibit_rules`): their incidents become one line in this one's thread. Each must have a
     * lower severity; `npm run rules -- check` validates references and cycles.
     */
    inhibits: z.array(ruleIdSchema).default([]),
    /** Page only when the impact is big enough (see impactRuleSchema); a `page` rule only. */
    impact: impactRuleSchema.optional(),
    /** Escalation when nobody acknowledges the page; none by default. */
    escalation: escalationSchema.optional(),
    /** Who may act from the page; anyone by default. */
    actions: responderActionsSchema.default({ allowedUserGroups: [] }),
    /** Team that owns the rule; shown on pages and in the digest. */
    owner: z.string().trim().min(1),
  })
  .strict();

export type RuleInput = z.input<typeof ruleSchema>;
export type Rule = z.output<typeof ruleSchema>;
export type AlarmSettings = z.output<typeof alarmSchema>;

export const slackChannelSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,79}$/, 'Slack channel names are lower-case, no `#`'),
    /** Channel id (C…); optional: the notifier posts by name when absent. */
    id: z
      .string()
      .regex(/^[CG][A-Z0-9]{6,}$/)
      .optional(),
  })
  .strict();

export const routingSchema = z
  .object({
    slackChannels: z.array(slackChannelSchema).default([]),
  })
  .strict();

const weekdaySchema = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);

export const digestSchema = z
  .object({
    cadence: z.enum(['daily', 'weekly']).default('weekly'),
    /** Weekly digests go out on this day. */
    weekday: weekdaySchema.default('MON'),
    /** Local hour (0–23) in `timezone`. */
    hour: z.number().int().min(0).max(23).default(8),
    timezone: z.string().default('UTC'),
    /** Manager addresses subscribed to the digest topic (each confirms by email). */
    recipients: z.array(z.email()).default([]),
    /** SES sender for the HTML version; without one only the SNS text digest is sent. */
    sender: z.email().optional(),
    /** Naming users in a digest is opt-in: managers need counts, not people. */
    nameUsers: z.boolean().default(false),
  })
  .strict();
export type DigestConfig = z.output<typeof digestSchema>;

/**
 * `AWS::XRay::SamplingRule`. An affected-user list is only as complete as sampling allows,
 * so the shipped default samples every cart request.
 */
export const samplingRuleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '1–32 letters, digits, `-` or `_`'),
    priority: z.number().int().min(1).max(9999),
    /** Requests per second always traced, before `fixedRate` applies. */
    reservoirSize: z.number().int().min(0),
    /** Share (0–1) of requests traced once the reservoir is used up. */
    fixedRate: z.number().min(0).max(1),
    serviceName: z.string().min(1).max(64).default('*'),
    serviceType: z.string().min(1).default('*'),
    host: z.string().min(1).max(64).default('*'),
    httpMethod: z.string().min(1).max(10).default('*'),
    urlPath: z.string().min(1).max(128).default('*'),
    resourceArn: z.string().min(1).max(500).default('*'),
  })
  .strict();
export type SamplingRule = z.output<typeof samplingRuleSchema>;

/** A 12-digit AWS account id. */
export const accountIdSchema = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');

/**
 * Whose events the notifier accepts. Its own account always; others only when listed here,
 * for setups where alarms or Insights of another account are forwarded to this account's bus.
 * Every EventBridge pattern names these accounts and the parsers ignore the rest.
 */
export const accountsSchema = z
  .object({
    additionalEventSources: z.array(accountIdSchema).default([]),
  })
  .strict();
export type AccountsConfig = z.output<typeof accountsSchema>;

/**
 * Test alerts (`npm run rules -- fire`): where they page and how often. A test never pages the
 * on-call email unless the sender asks for it, and goes to `slackChannel` unless the sender asks
 * for the rule's own channel.
 */
export const testAlertsSchema = z
  .object({
    /**
     * Slack channel (listed in routing) that receives test pages by default. Without one, a test
     * reaches Slack only when the sender asks for the rule's own route.
     */
    slackChannel: z.string().min(1).optional(),
    /** Test alerts accepted per rule per clock hour (UTC); the rest are logged and ignored. */
    maxPerRulePerHour: z.number().int().min(1).max(60).default(6),
  })
  .strict();
export type TestAlertsConfig = z.output<typeof testAlertsSchema>;

/**
 * How long the alerts table keeps what the notifier records, as DynamoDB TTLs (`expiresAt`).
 * The full rule, item by item, is in functions/shared/incidents/retention.ts; the bounds
 * `npm run rules -- check` enforces are in rules/retention-bounds.ts.
 */
export const retentionSchema = z
  .object({
    /**
     * Days an incident and everything recorded about it (history, deliveries, the rule's ledger,
     * event bindings) are kept after it resolved or was last written. An open incident, and what
     * it still needs, never expires.
     */
    incidentDays: z.number().int().min(1).max(3_650).default(90),
    /**
     * Days an incident's usernames are kept after they were last recorded. The counts (affected
     * users, requests) stay with the incident for `incidentDays`.
     */
    usernameDays: z.number().int().min(1).max(3_650).default(30),
  })
  .strict();
export type Retention = z.output<typeof retentionSchema>;

export const ruleSetSchema = z
  .object({
    /**
     * Prefix of every AWS name this project creates; lets two deployments (say `uia` and
     * `uia-dev`) share an account without colliding.
     */
    namePrefix: z.string().regex(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,7})?$/, 'short kebab-case, e.g. `uia`'),
    rules: z.array(ruleSchema),
    routing: routingSchema.default({ slackChannels: [] }),
    digest: digestSchema.default(digestSchema.parse({})),
    sampling: z.array(samplingRuleSchema).default([]),
    accounts: accountsSchema.default({ additionalEventSources: [] }),
    testAlerts: testAlertsSchema.default({ maxPerRulePerHour: 6 }),
    retention: retentionSchema.default({ incidentDays: 90, usernameDays: 30 }),
  })
  .strict();

export type RuleSetInput = z.input<typeof ruleSetSchema>;
export type RuleSet = z.output<typeof ruleSetSchema>;
