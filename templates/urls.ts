/**
 * URLs that may appear on a page: console deep links built from validated parts, and a check
 * that any other URL (runbooks) is plain http(s). Nothing else is ever turned into a link.
 *
 * Console formats: `#alarmsV2:alarm/<name>` and `#xray:traces/<id>` are the CloudWatch
 * console's; the insight link uses the X-Ray console's `#/insights/<id>` route, which public
 * code shows only as `#/insights` (the id suffix is unverified; the list page still opens).
 * Only the standard `aws` partition is built; China and GovCloud consoles have other hosts.
 */

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** `1-59602603-23fc5b688855d396af79b496`: version, epoch seconds in hex, 96-bit random. */
const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isRegion(region: string): boolean {
  return REGION.test(region) && !region.startsWith('cn-') && !region.startsWith('us-gov-');
}

export function isTraceId(id: string): boolean {
  return TRACE_ID.test(id);
}

function cloudWatchHome(region: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
}

export function alarmConsoleUrl(region: string, alarmName: string): string | undefined {
  if (!isRegion(region) || alarmName.length === 0) return undefined;
  return `${cloudWatchHome(region)}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

export function traceConsoleUrl(region: string, traceId: string): string | undefined {
  if (!isRegion(region) || !isTraceId(traceId)) return undefined;
  return `${cloudWatchHome(region)}#xray:traces/${traceId}`;
}

/** The traces query page; the filter expression is printed next to it to paste in. */
export function tracesQueryConsoleUrl(region: string): string | undefined {
  return isRegion(region) ? `${cloudWatchHome(region)}#xray:traces/query` : undefined;
}

export function insightConsoleUrl(region: string, insightId: string): string | undefined {
  if (!isRegion(region) || !UUID.test(insightId)) return undefined;
  return `https://${region}.console.aws.amazon.com/xray/home?region=${region}#/insights/${insightId}`;
}

/**
 * The URL's normalized form when it is an absolute http(s) URL without credentials, else
 * undefined. Normalization percent-encodes spaces, quotes and angle brackets, so the result
 * cannot close a Slack `<url|label>` link early.
 */
export function safeHttpUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.href;
}
