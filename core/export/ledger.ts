import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { type LakeLocks, type Lease, type LockHolder, ReleaseBusyError } from '../lock/lake-locks.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * The release ledger (DESIGN.md "Disclosure control for exports"): one record per published table, in the lake
 * at exports/_ledger/survey=<id>/. A record holds only what was published — the query, its parameters, the
 * version of every wave it was computed from, the settings, and each cell's identity, status and written value —
 * so it may sit beside the exports. A later release reads it to keep every reader's knowledge in view: a cell
 * published from the same data is known, one suppressed stays suppressed, and one published from another
 * version of a wave is compared organisation by organisation with the data now (revision.ts).
 */

/** Where the ledger lives in the lake. */
export const LEDGER_PREFIX = 'exports/_ledger/';

/** One cell of a published table, as the ledger records it. */
export const LedgerCellSchema = z.object({
  /** The cell's identity (cell-key.ts), as JSON text. */
  key: z.string(),
  /** The waves the cell draws on. */
  waves: z.array(z.number().int()),
  /** The row's label and the column, for people reading the ledger. */
  row: z.string(),
  column: z.string(),
  status: z.enum(['published', 'suppressed']),
  /** The value as written (null when suppressed or not available). */
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
});
/** One cell of a published table, as the ledger records it. */
export type LedgerCell = z.infer<typeof LedgerCellSchema>;

/** One published table. */
export const LedgerRecordSchema = z.object({
  ledger: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  query: z.string(),
  parameters: z.record(z.string(), z.union([z.string(), z.number()])),
  survey: z.string(),
  /** The curated version of each wave the table was computed from (the `version` of the wave's pointer). */
  versions: z.record(z.string(), z.string()),
  settings: z.object({ threshold: z.number(), p: z.number() }),
  /** Whether the Total row was written. */
  total: z.boolean(),
  /** Where the table was written. */
  file: z.string(),
  cells: z.array(LedgerCellSchema),
});
/** One published table. */
export type LedgerRecord = z.infer<typeof LedgerRecordSchema>;

/** The ledger folder of one survey. */
export function ledgerPrefix(survey: string): string {
  return `${LEDGER_PREFIX}survey=${survey}/`;
}

/**
 * Every record of a survey, oldest first. A record that does not parse is an error, not skipped: a release
 * checked against part of its history could be differenced with the part left out.
 */
export async function readLedger(storage: Storage, survey: string): Promise<LedgerRecord[]> {
  const keys = (await storage.list(ledgerPrefix(survey))).filter((k) => k.endsWith('.json')).sort();
  const records: LedgerRecord[] = [];
  for (const key of keys) {
    const text = await storage.getText(key);
    if (text === undefined) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`export: the release ledger record ${key} is not JSON; expected a ledger record`, {
        cause: error,
      });
    }
    const record = LedgerRecordSchema.safeParse(parsed);
    if (!record.success) {
      const issue = record.error.issues[0];
      throw new Error(
        `export: the release ledger record ${key} is not a ledger record (${issue?.path.join('.')}: ${issue?.message})`,
      );
    }
    records.push(record.data);
  }
  return records;
}

/** A new record's id: its time (sortable) and query, and a random tail so that two releases never collide. */
export function ledgerId(createdAt: string, query: string): string {
  return `${createdAt.replace(/[-:.]/g, '')}-${query}-${randomBytes(4).toString('hex')}`;
}

/** Appends a record; returns its key. */
export async function appendLedger(storage: Storage, record: LedgerRecord): Promise<string> {
  const key = `${ledgerPrefix(record.survey)}${record.id}.json`;
  await storage.put(key, `${JSON.stringify(record)}\n`, { contentType: 'application/json' });
  return key;
}

/** How long a release waits for another release of its survey to finish. */
export const RELEASE_WAIT_MS = 60_000;

/**
 * Runs `work` holding the survey's release lock, released after. Another release holds the lock for seconds (it
 * reads the ledger, protects its table, appends its record), so a busy lock is waited for, up to `waitMs`.
 */
export async function underReleaseLock<T>(
  locks: LakeLocks,
  survey: string,
  holder: LockHolder,
  waitMs: number,
  work: (lease: Lease) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  let lease: Lease | undefined;
  while (lease === undefined) {
    try {
      lease = await locks.acquireReleases(survey, holder);
    } catch (error) {
      if (!(error instanceof ReleaseBusyError) || Date.now() >= deadline) throw error;
      // Jittered, so that waiters do not knock at once.
      await sleep(100 + Math.random() * 200);
    }
  }
  try {
    return await work(lease);
  } finally {
    await lease.release();
  }
}
