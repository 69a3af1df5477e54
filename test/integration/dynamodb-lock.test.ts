// DynamoLakeLocks against a real DynamoDB implementation (dynalite) on loopback: the conditional writes are the
// server's, so a race here is a race DynamoDB would see.
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLakeLocks } from '../../core/lock/dynamodb-lock.ts';
import {
  type Lease,
  type LockHolder,
  LockLostError,
  ReleaseBusyError,
  WaveBusyError,
} from '../../core/lock/lake-locks.ts';
import { type LocalDynamo, startLocalDynamo } from '../helpers/dynalite.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo('wave-locks');
});
afterAll(() => dynamo?.close());

const holder = (attempt: string): LockHolder => ({
  attempt,
  by: `ingest ${attempt}`,
  since: '2026-11-24T12:00:00.000Z',
});
let waves = 2000;
/** A wave no other test uses, so each test has its own lock item. */
const freshWave = () => ++waves;
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function item(wave: number) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: dynamo.table, Key: { pk: { S: `lock#uk-se#${wave}` } }, ConsistentRead: true }),
  );
  return Item;
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  try {
    return { ok: await promise };
  } catch (error) {
    return { error };
  }
}

describe('DynamoLakeLocks on dynalite', () => {
  it("keeps a survey's release lock apart from its waves' locks, and refuses a second release while one holds it", async () => {
    const locks = new DynamoLakeLocks(dynamo.client, dynamo.table, { leaseSeconds: 60 });
    const survey = `rel-${freshWave()}`;
    const release = await locks.acquireReleases(survey, holder('export a'));
    const key = { pk: { S: `lock#${survey}#releases` } };
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: dynamo.table, Key: key, ConsistentRead: true }),
    );
    expect(Item?.attempt?.S).toBe('export a');
    const busy = await settle(locks.acquireReleases(survey, holder('export b')));
    expect('error' in busy && busy.error).toBeInstanceOf(ReleaseBusyError);
    expect('error' in busy && (busy.error as Error).message).toMatch(
      new RegExp(`^export: another release of ${survey} is being recorded \\(ingest export a, since `),
    );
    // An ingest of one of its waves is not held up by a release.
    const wave = await locks.acquire(survey, 2023, holder('ingest'));
    await wave.release();
    await release.check();
    await release.release();
    const next = await locks.acquireReleases(survey, holder('export b'));
    await next.release();
  });

  it('takes a free lock as an item naming the holder with a future expiry, and deletes it on release', async () => {
    const wave = freshWave();
    const locks = new DynamoLakeLocks(dynamo.client, dynamo.table, { leaseSeconds: 60 });
    const lease = await locks.acquire('uk-se', wave, holder('a'));
    const held = await item(wave);
    expect(held?.attempt?.S).toBe('a');
    expect(held?.by?.S).toBe('ingest a');
    expect(Number(held?.expiresAt?.N)).toBeGreaterThanOrEqual(now() + 59);
    expect(Number(held?.expiresAt?.N)).toBeLessThanOrEqual(now() + 61);
    await lease.check();
    await lease.release();
    expect(await item(wave)).toBeUndefined();
    const again = await locks.acquire('uk-se', wave, holder('b'));
    await again.release();
  });

  it('refuses a second acquire while the lock is held, naming the holder', async () => {
    const wave = freshWave();
    const first = await new DynamoLakeLocks(dynamo.client, dynamo.table).acquire('uk-se', wave, holder('a'));
    const busy = await settle(new DynamoLakeLocks(dynamo.client, dynamo.table).acquire('uk-se', wave, holder('b')));
    expect('error' in busy && busy.error).toBeInstanceOf(WaveBusyError);
    const error = (busy as { error: WaveBusyError }).error;
    expect(error.holder?.attempt).toBe('a');
    expect(error.message).toContain('ingest a');
    expect(error.message).toContain('2026-11-24T12:00:00.000Z');
    expect(error.message).toContain(`uk-se wave ${wave}`);
    expect((await item(wave))?.attempt?.S).toBe('a');
    await first.check();
    await first.release();
  });

  it('takes over a lock whose holder died and let it expire', async () => {
    const wave = freshWave();
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.table,
        Item: {
          pk: { S: `lock#uk-se#${wave}` },
          attempt: { S: 'dead' },
          by: { S: 'a Lambda that timed out' },
          since: { S: '2026-11-24T11:00:00.000Z' },
          expiresAt: { N: String(now() - 5) },
        },
      }),
    );
    const lease = await new DynamoLakeLocks(dynamo.client, dynamo.table).acquire('uk-se', wave, holder('b'));
    expect((await item(wave))?.attempt?.S).toBe('b');
    await lease.check();
    await lease.release();
  });

  it('keeps the lock of a holder that is still running past its lease: it renews it', async () => {
    const wave = freshWave();
    const lease = await new DynamoLakeLocks(dynamo.client, dynamo.table, { leaseSeconds: 2 }).acquire(
      'uk-se',
      wave,
      holder('a'),
    );
    const first = Number((await item(wave))?.expiresAt?.N);
    await sleep(3500);
    await expect(new DynamoLakeLocks(dynamo.client, dynamo.table).acquire('uk-se', wave, holder('b'))).rejects.toThrow(
      WaveBusyError,
    );
    expect(Number((await item(wave))?.expiresAt?.N)).toBeGreaterThan(first);
    await lease.check();
    await lease.release();
  });

  it('lets another take a lock its holder stopped renewing; the first finds it lost and its release leaves it', async () => {
    const wave = freshWave();
    const cutOff = dynamo.connect();
    const first = await new DynamoLakeLocks(cutOff.client, dynamo.table, { leaseSeconds: 1 }).acquire(
      'uk-se',
      wave,
      holder('a'),
    );
    // The first holder freezes (a suspended laptop, a frozen Lambda): its renewals no longer reach DynamoDB.
    cutOff.partitioned = true;
    const other = new DynamoLakeLocks(dynamo.client, dynamo.table, { leaseSeconds: 60 });
    await expect(other.acquire('uk-se', wave, holder('b'))).rejects.toThrow(WaveBusyError);
    let second: Lease | undefined;
    for (let tries = 0; second === undefined && tries < 40; tries++) {
      await sleep(150);
      const result = await settle(other.acquire('uk-se', wave, holder('b')));
      if ('ok' in result) second = result.ok;
      else expect(result.error).toBeInstanceOf(WaveBusyError);
    }
    expect(second, 'the expired lock was never taken over').toBeDefined();
    cutOff.partitioned = false;
    await expect(first.check()).rejects.toThrow(LockLostError);
    await expect(first.check()).rejects.toThrow(/taken by ingest b/);
    // The first holder's release is a non-holder's: it leaves the second's lock alone.
    await first.release();
    expect((await item(wave))?.attempt?.S).toBe('b');
    await second!.check();
    await expect(other.acquire('uk-se', wave, holder('c'))).rejects.toThrow(/ingest b/);
    await second!.release();
    expect(await item(wave)).toBeUndefined();
  });

  it('makes check() throw LockLostError when the lock item is gone', async () => {
    const wave = freshWave();
    const lease = await new DynamoLakeLocks(dynamo.client, dynamo.table).acquire('uk-se', wave, holder('a'));
    // Deleted behind the holder's back (by hand, or by the table's TTL): the holder must not commit.
    await dynamo.client.send(
      new DeleteItemCommand({ TableName: dynamo.table, Key: { pk: { S: `lock#uk-se#${wave}` } } }),
    );
    await expect(lease.check()).rejects.toThrow(/taken by nobody/);
    await lease.release();
  });

  it.each([
    ['a free lock', false],
    ['an expired lock', true],
  ])('gives %s to exactly one of N acquires at once', async (_name, expired) => {
    const failures: string[] = [];
    for (let round = 0; round < 5; round++) {
      const wave = freshWave();
      if (expired) {
        await dynamo.client.send(
          new PutItemCommand({
            TableName: dynamo.table,
            Item: {
              pk: { S: `lock#uk-se#${wave}` },
              attempt: { S: 'dead' },
              by: { S: 'dead' },
              since: { S: '' },
              expiresAt: { N: String(now() - 5) },
            },
          }),
        );
      }
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          settle(new DynamoLakeLocks(dynamo.client, dynamo.table).acquire('uk-se', wave, holder(`r${i}`))),
        ),
      );
      const winners = results.flatMap((result, i) => ('ok' in result ? [i] : []));
      for (const result of results) if ('error' in result) expect(result.error).toBeInstanceOf(WaveBusyError);
      if (winners.length !== 1) failures.push(`round ${round}: ${winners.length} winners`);
      expect((await item(wave))?.attempt?.S).toBe(`r${winners[0]}`);
      for (const result of results) if ('ok' in result) await result.ok.release();
    }
    expect(failures).toEqual([]);
  });
});
