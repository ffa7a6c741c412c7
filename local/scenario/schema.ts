/**
 * The shape of a scenario file (`local/scenarios/*.yaml`), one zod schema. What a run plays:
 * who shops and how busily, which requests X-Ray traces, and any number of faults, each saying
 * who it hits, where, what it does and when. Times are virtual minutes from the run's start
 * (decimals allowed: `2.5` is 2 min 30 s).
 *
 * Only the shape lives here; what needs several fields at once (a fault past the end of the
 * run, more users than the segment has, two faults hitting the same requests) is checked in
 * semantics.ts, and both report through load.ts with the file, the path and what was expected.
 */
import { z } from 'zod';
import { samplingRuleSchema } from '../../rules/schema';
import { SHOP_ACTIONS } from './actions';

/** Who a fault can hit: forgers are shoppers whose tokens never verify (annotated anonymous). */
export const SEGMENTS = ['registered', 'anonymous', 'forgers', 'everyone'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** Dependencies a fault can break. The shop has one: its carts table. */
export const DEPENDENCIES = ['dynamodb'] as const;

const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case (a-z, 0-9, -)');
const minutes = z.number().min(0, 'minutes from the start of the run, ≥ 0');
const positiveMinutes = z.number().positive('a positive number of minutes');
const action = z.enum(SHOP_ACTIONS, {
  error: (issue) => `expected one of ${SHOP_ACTIONS.join(', ')}, got ${JSON.stringify(issue.input)}`,
});

/** Requests per minute, constant or as points joined by straight lines (a ramp, a peak). */
const rate = z.union([
  z.number().min(0, 'requests per minute, ≥ 0'),
  z
    .array(z.object({ at: minutes, perMinute: z.number().min(0) }).strict())
    .min(1, 'at least one { at, perMinute } point'),
]);

const trafficSchema = z
  .object({
    /** Background requests per minute (on top come the faults' `activity` requests). */
    perMinute: rate,
    /** Each minute's count varies by ± this share (default 0.2). */
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .strict();

const populationSchema = z
  .object({
    registered: z.number().int().min(0).max(20_000),
    anonymous: z.number().int().min(0).max(20_000),
    forgers: z.number().int().min(0).max(1_000).default(0),
  })
  .strict();

/**
 * `project`: the rule set's rules (rules/sampling.ts) before X-Ray's default rule; `all`: every
 * request traced; or a list of rules in the rule set's own shape (X-Ray's default rule, 1 a
 * second and 5 %, still applies to requests none of them matches).
 */
const samplingSchema = z.union([z.enum(['project', 'all']), z.array(samplingRuleSchema).min(1)]);

const whoSchema = z
  .object({
    segment: z.enum(SEGMENTS, {
      error: (issue) =>
        `unknown user segment ${JSON.stringify(issue.input)}: expected one of ${SEGMENTS.join(', ')}`,
    }),
    /** That many shoppers of the segment, drawn from the seed. */
    count: z.number().int().positive().optional(),
    /** That share of the segment's shoppers, drawn from the seed. */
    share: z.number().gt(0).max(1).optional(),
    /** These shoppers by id (`registered-3`, `anonymous-1`, …). */
    users: z
      .array(z.string().regex(/^(registered|anonymous|forger)-\d+$/, 'a shopper id like registered-3'))
      .min(1)
      .optional(),
  })
  .strict()
  .refine((who) => [who.count, who.share, who.users].filter((v) => v !== undefined).length <= 1, {
    message: 'give at most one of count, share or users (none: every shopper of the segment)',
  });

const whereSchema = z
  .object({
    dependency: z.enum(DEPENDENCIES).default('dynamodb'),
    /** Shop operations whose calls to the dependency fail (default: every cart operation). */
    operations: z.array(action).min(1).optional(),
  })
  .strict();

const whatSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('errors') }).strict(),
    z.object({ kind: z.literal('throttling') }).strict(),
    z.object({ kind: z.literal('latency'), ms: z.number().int().positive().max(60_000) }).strict(),
  ],
  { error: () => 'expected kind: errors, latency (with ms) or throttling' },
);

const whenSchema = z
  .object({
    start: minutes,
    /** How long the fault lasts, flapping included. */
    minutes: positiveMinutes,
    /** The share of hit requests grows linearly from 0 to `probability` over this many minutes. */
    ramp: positiveMinutes.optional(),
    /** On for `on` minutes, off for `off`, repeated while the fault lasts. */
    flapping: z.object({ on: positiveMinutes, off: positiveMinutes }).strict().optional(),
  })
  .strict();

const faultSchema = z
  .object({
    name: kebab,
    description: z.string().optional(),
    who: whoSchema,
    where: whereSchema.default({ dependency: 'dynamodb' }),
    what: whatSchema,
    when: whenSchema,
    /** Share of the hit shoppers' matching requests that the fault breaks (default 1). */
    probability: z.number().gt(0).max(1).default(1),
    /**
     * Extra requests per minute each hit shopper makes to the fault's first operation while
     * the fault is on (shoppers retrying), so every one of them is hit every minute.
     */
    activity: z.number().int().min(0).max(10).default(0),
  })
  .strict();

export const scenarioFileSchema = z
  .object({
    name: kebab.optional(),
    description: z.string().min(1),
    /** Virtual start; default Sunday 2026-11-22 21:00 UTC, so Monday's digest reports the run. */
    start: z.iso.datetime().optional(),
    /** Length of the run's traffic in virtual minutes. */
    minutes: z.number().int().min(3).max(170),
    population: populationSchema,
    traffic: trafficSchema,
    sampling: samplingSchema.default('project'),
    faults: z.array(faultSchema).default([]),
    /**
     * Minute at which a rule's X-Ray group (and its alarm) is created; before it, the group sees
     * nothing: X-Ray groups only see traces recorded after they exist. Default: before the run.
     */
    groupsCreatedAt: z.record(z.string(), minutes).default({}),
  })
  .strict();

export type ScenarioFile = z.output<typeof scenarioFileSchema>;
export type FaultSpec = ScenarioFile['faults'][number];
export type WhoSpec = FaultSpec['who'];
export type WhatSpec = FaultSpec['what'];
