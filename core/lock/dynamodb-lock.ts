import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Lease, type LockHolder, LockLostError, type LockSubject, SubjectLocks } from './lake-locks.ts';

/** Options of {@link DynamoLakeLocks}. */
export interface DynamoLakeLocksOptions {
  /** How long a lock lasts without being renewed. @default 300 s */
  readonly leaseSeconds?: number;
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';

/**
 * The locks of a lake in S3, as conditional items in a DynamoDB table (partition key `pk`, a string:
 * `lock#<survey>#<wave>` or `lock#<survey>#releases`; the `expiresAt` attribute, epoch seconds, may serve as its
 * TTL). A lock is taken only if absent or expired, renewed while its holder runs (a third of the lease at a
 * time), and checked before the commit: a holder that was stopped for longer than the lease finds it lost and
 * commits nothing.
 */
export class DynamoLakeLocks extends SubjectLocks {
  private readonly leaseSeconds: number;

  /** Locks in `table`, through `client`. */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    options: DynamoLakeLocksOptions = {},
  ) {
    super();
    this.leaseSeconds = options.leaseSeconds ?? 300;
  }

  protected async take(subject: LockSubject, holder: LockHolder): Promise<Lease> {
    const pk = `lock#${subject.parts.join('#')}`;
    const now = () => Math.floor(Date.now() / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: pk },
            attempt: { S: holder.attempt },
            by: { S: holder.by },
            since: { S: holder.since },
            expiresAt: { N: String(now() + this.leaseSeconds) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(now()) } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw subject.busy(await this.holder(pk));
    }
    const renew = async () => {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: pk } },
          UpdateExpression: 'SET expiresAt = :until',
          ConditionExpression: 'attempt = :me',
          ExpressionAttributeValues: {
            ':until': { N: String(now() + this.leaseSeconds) },
            ':me': { S: holder.attempt },
          },
        }),
      );
    };
    // A failed renewal is found out by check() before the commit.
    const timer = setInterval(() => renew().catch(() => undefined), (this.leaseSeconds * 1000) / 3);
    timer.unref();
    return {
      check: async () => {
        const held = await this.holder(pk);
        if (held?.attempt !== holder.attempt || held.expiresAt <= now()) {
          throw new LockLostError(subject.lost('expired', held ? held.by : 'nobody'));
        }
        await renew();
      },
      release: async () => {
        clearInterval(timer);
        try {
          await this.client.send(
            new DeleteItemCommand({
              TableName: this.table,
              Key: { pk: { S: pk } },
              ConditionExpression: 'attempt = :me',
              ExpressionAttributeValues: { ':me': { S: holder.attempt } },
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      },
    };
  }

  private async holder(pk: string): Promise<(LockHolder & { expiresAt: number }) | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    return {
      attempt: Item.attempt?.S ?? '',
      by: Item.by?.S ?? 'an unknown ingest',
      since: Item.since?.S ?? '',
      expiresAt: Number(Item.expiresAt?.N ?? 0),
    };
  }
}
