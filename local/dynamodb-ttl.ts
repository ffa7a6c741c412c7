/**
 * DynamoDB's Time to Live for the local DynamoDB (dynalite has none): one sweep deletes what
 * DynamoDB's background process would have deleted by then. Tests and local runs call it when
 * they move the clock past an expiry; between expiry and sweep an item is still returned by
 * every read, as on AWS.
 *
 * What it models, from the DynamoDB documentation (docs/retention.md has the quotes):
 *
 * | AWS behaviour                                                  | here                                       |
 * |----------------------------------------------------------------|--------------------------------------------|
 * | an item whose TTL attribute (epoch seconds) is at or before    | deleted by a sweep at least `lagSeconds`   |
 * | now is expired, and deleted on a best-effort basis, typically  | after its expiry (default 0: every expired |
 * | within a few days; until then reads, queries and scans return it | item the sweep finds)                    |
 * | a TTL attribute that is not a number is ignored                | never deleted                              |
 * | a value more than five years in the past is ignored            | never deleted                              |
 * | an update that moves or removes the expiry before the deletion | the delete is conditional on the expiry it |
 * | is honoured                                                    | saw: a rewritten item stays                |
 * | deleted items leave every index too                            | dynalite's deletes do                      |
 *
 * Rejected: deleting inside reads (AWS never does; the code under test must filter expired
 * items itself, and only a lazy stand-in shows that it does).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** AWS ignores TTL values more than five years old (they are likely milliseconds or mistakes). */
const IGNORED_AFTER_S = 5 * 365 * 86_400;

export interface TtlSweepOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** The table's TTL attribute. */
  attribute: string;
  /** The table's key attributes (a delete names the item by them). */
  keys: readonly string[];
  now: () => Date;
  /** Delete only items expired at least this long ago (AWS: typically within a few days). @default 0 */
  lagSeconds?: number;
}

export interface TtlSweepResult {
  scanned: number;
  deleted: number;
}

export async function sweepExpired(options: TtlSweepOptions): Promise<TtlSweepResult> {
  const { doc, tableName: TableName, attribute } = options;
  const nowS = Math.floor(options.now().getTime() / 1000);
  const cutoff = nowS - (options.lagSeconds ?? 0);
  let scanned = 0;
  let deleted = 0;
  for await (const page of paginateScan({ client: doc }, { TableName, ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      scanned++;
      const at = item[attribute];
      if (typeof at !== 'number' || at > cutoff || at < nowS - IGNORED_AFTER_S) continue;
      if (await deleteIfStillExpired(options, item, at)) deleted++;
    }
  }
  return { scanned, deleted };
}

async function deleteIfStillExpired(
  { doc, tableName, attribute, keys }: TtlSweepOptions,
  item: Record<string, unknown>,
  at: number,
): Promise<boolean> {
  try {
    await doc.send(
      new DeleteCommand({
        TableName: tableName,
        Key: Object.fromEntries(keys.map((k) => [k, item[k]])),
        ConditionExpression: '#ttl = :at',
        ExpressionAttributeNames: { '#ttl': attribute },
        ExpressionAttributeValues: { ':at': at },
      }),
    );
    return true;
  } catch (error) {
    // Rewritten since the scan (a new expiry, or none): AWS honours that too.
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
