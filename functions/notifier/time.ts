/**
 * Time values exactly as AWS events carry them, parsed strictly enough to reject garbage and
 * leniently enough for the formats AWS really uses (see docs/aws-events.md).
 */

/** ISO-8601 with `Z`, `+00:00` or CloudWatch's colon-less `+0000`. */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/;

/** `2019-10-02T17:04:40.989+0000` → Date; undefined for anything that is not an instant. */
export function parseIsoInstant(text: string): Date | undefined {
  const match = ISO_INSTANT.exec(text.trim());
  if (!match) return undefined;
  const [, local, zone] = match;
  // Normalise `+0000` to `+00:00` so parsing does not depend on engine leniency.
  const offset = zone === 'Z' || zone === undefined ? 'Z' : zone.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const date = new Date(`${local}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Epoch seconds or milliseconds → Date. The X-Ray API documents Unix seconds; the event schema
 * only says "number", so values above 1e12 (year 33658 in seconds, 2001 in ms) are taken as ms.
 */
export function epochToDate(value: number): Date | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const ms = value > 1e12 ? value : value * 1000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A number, a numeric string, or an ISO string: whatever an Insight time field turns out to be. */
export function parseFlexibleInstant(value: number | string): Date | undefined {
  if (typeof value === 'number') return epochToDate(value);
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return epochToDate(Number(trimmed));
  return parseIsoInstant(trimmed);
}
