/**
 * zod building blocks shared by the parsers: the EventBridge envelope, AWS time fields, and
 * turning a zod error into the one-line reason a DLQ reader needs. Objects are `z.object`
 * (unknown keys stripped, never rejected): AWS adds fields (e.g. `alarmTags`) without notice.
 */
import { z } from 'zod';
import { PermanentError } from './errors';
import { parseFlexibleInstant, parseIsoInstant } from './time';

export const isoInstant = z.string().transform((text, ctx) => {
  const date = parseIsoInstant(text);
  if (date) return date;
  ctx.issues.push({
    code: 'custom',
    input: text,
    message: `expected an ISO-8601 instant, got ${quote(text)}`,
  });
  return z.NEVER;
});

export const flexibleInstant = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const date = parseFlexibleInstant(value);
  if (date) return date;
  ctx.issues.push({
    code: 'custom',
    input: value,
    message: `expected epoch seconds, epoch milliseconds or an ISO-8601 instant, got ${quote(String(value))}`,
  });
  return z.NEVER;
});

export const envelopeSchema = z.object({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string(),
  time: isoInstant,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as us-east-1'),
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()),
});
export type Envelope = z.output<typeof envelopeSchema>;

/** The account EventBridge stamped on the event; checked before the rest is validated. */
export const accountKeySchema = z.object({
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
});

/** The two fields `parse()` dispatches on; read before anything else is validated. */
export const routingKeysSchema = z.object({ source: z.string(), 'detail-type': z.string() });

/** Parse or throw a PermanentError naming the first failing fields (`what` prefixes the path). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new PermanentError(describeZodError(what, result.error), { cause: result.error });
}

export function describeZodError(what: string, error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
    return `${what}${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
