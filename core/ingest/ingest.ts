// One ingest attempt of one wave (DESIGN.md "One ingest, one commit"), top to bottom:
//   1. the wave's lock is taken, so that the ingests of a wave run one after the other;
//   2. the live pointer is read: a second delivery of the upload it was made from changes nothing;
//   3. the file is read and judged, and a new version's files are written (prepare.ts), unless the file is
//      byte for byte the live version's source;
//   4. the pointer is put: that is the commit, before it nothing of the version is live and after it all of it;
//   5. the catalog is made to name the live version and versions no pointer names are removed, which also
//      completes whatever an earlier attempt that died after its commit left undone;
//   6. the attempt is recorded in the ledger and the lock released.
// A file refused as a whole leaves a report saying why and is an outcome, not an exception. Anything else
// (storage, the lock, the catalog, a stop) throws once the attempt is recorded as failed: it is worth retrying.
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import {
  checkWave,
  getSurvey,
  type Report,
  ReportSchema,
  type SurveyDefinition,
  UnknownSurveyError,
  WaveRangeError,
} from '../../schemas/index.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { commitWave, readWavePointer, removeStaleVersions, type WavePointer } from '../lake.ts';
import type { LakeLocks } from '../lock/lake-locks.ts';
import { localLocksOf } from '../lock/local-lock.ts';
import type { Storage } from '../storage/storage.ts';
import {
  type Attempt,
  markRunning,
  newAttemptId,
  recordAttempt,
  recordStopped,
  refusedKey,
  unmarkRunning,
} from './attempts.ts';
import { HeaderError } from './headers.ts';
import { orgKeyId } from './org-id.ts';
import { IngestError, type IngestProgress, prepareVersion } from './prepare.ts';
import { CsvError } from './read-csv.ts';

/** What one ingest attempt needs: plain, typed arguments (no environment, no command line). */
export interface IngestOptions {
  readonly storage: Storage;
  /** The raw file as a byte stream, or a function that opens it (not called when the upload is known already). */
  readonly input: Readable | (() => Promise<Readable>);
  readonly survey: string;
  readonly wave: number;
  /** The uploaded object's key or the file name: recorded in source_file, the report and the ledger. */
  readonly sourceFile: string;
  /** The source object's ETag in S3: a second delivery of the live version's upload is recognised by it. */
  readonly sourceTag?: string;
  /** The source's size in bytes, when known before it is read (for the ledger). */
  readonly sourceBytes?: number;
  /** The secret key of the org_id HMAC. */
  readonly orgKey: string;
  /** The locks that make the ingests of a wave run one after the other. Default: a local lake's lock files. */
  readonly locks?: LakeLocks;
  /** The catalog to switch with each commit (Glue in the cloud); none for a local lake. */
  readonly catalog?: Catalog;
  /** What runs the attempt, for messages about who holds a lock. Default: this process and host. */
  readonly by?: string;
  /** The ingest time, recorded as ingested_at. Default: now. */
  readonly now?: Date;
  /** How many errors and how many warnings the report lists. Default 1000. */
  readonly maxListedIssues?: number;
  /** Where the work files go. Default: the OS temp directory. */
  readonly tempDir?: string;
  /** Called as bytes are read and rows are judged. */
  readonly onProgress?: (progress: IngestProgress) => void;
  /** Stops the attempt; the live wave stays as it was unless the commit had already happened. */
  readonly signal?: AbortSignal;
  /** Also writes the report as a page (report.html) beside report.json, named by the pointer. */
  readonly page?: boolean;
}

/** How an attempt ended, when it did not throw. */
export interface IngestOutcome {
  readonly outcome: 'committed' | 'unchanged' | 'refused';
  /** The attempt as the ledger recorded it. */
  readonly attempt: Attempt;
  /** The live pointer after the attempt (committed or unchanged). */
  readonly pointer?: WavePointer;
  /** The live version's report (committed or unchanged). */
  readonly report?: Report;
  /** Why the file was refused, and where that report is. */
  readonly refusal?: { readonly reason: string; readonly report: string };
  /** What an unchanged attempt completed that an earlier attempt had left undone. */
  readonly completed: readonly string[];
}

/** Whether an error refuses the file as a whole: retrying the same file would refuse it again. */
export function isRefusal(error: unknown): boolean {
  return [IngestError, CsvError, HeaderError, UnknownSurveyError, WaveRangeError].some((type) => error instanceof type);
}

/** The first line of an error's message: what a report and a one-line error say. */
function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}

/** Ingests one wave's file as one attempt: committed, unchanged or refused; throws only what is worth a retry. */
export async function ingestWave(options: IngestOptions): Promise<IngestOutcome> {
  const { storage } = options;
  const started = options.now ?? new Date();
  const id = newAttemptId(started);
  const base = {
    attempt: id,
    survey: options.survey,
    wave: options.wave,
    file: options.sourceFile,
    startedAt: started.toISOString(),
    ...(options.sourceBytes === undefined ? {} : { bytes: options.sourceBytes }),
  };
  const record = async (fields: Omit<Attempt, keyof typeof base | 'endedAt'> & Partial<Attempt>) => {
    const attempt: Attempt = { ...base, endedAt: new Date().toISOString(), ...fields };
    await recordAttempt(storage, attempt);
    return attempt;
  };
  const refuse = async (error: unknown): Promise<IngestOutcome> => {
    const reason = reasonOf(error);
    const report = refusedKey(options.survey, options.wave, id);
    await storage.put(
      report,
      `${JSON.stringify({ refused: true, ...base, reason, at: new Date().toISOString() }, null, 2)}\n`,
      { contentType: 'application/json' },
    );
    const attempt = await record({ outcome: 'refused', reason, refusedReport: report });
    return { outcome: 'refused', attempt, refusal: { reason, report }, completed: [] };
  };

  let survey: SurveyDefinition;
  try {
    survey = getSurvey(options.survey);
    checkWave(survey, options.wave);
  } catch (error) {
    if (isRefusal(error)) return refuse(error);
    throw error;
  }

  // 1. The lock: a second ingest of the wave waits its turn (it fails now, saying who holds the lock).
  const holder = { attempt: id, by: options.by ?? `pid ${process.pid} on ${hostname()}`, since: base.startedAt };
  const locks = options.locks ?? localLocksOf(storage);
  if (locks === undefined) {
    throw new Error(`ingest: the lake ${storage.location} is not a local directory; give the ingest its wave locks`);
  }
  const lease = await locks.acquire(survey.id, options.wave, holder).catch(async (error: unknown) => {
    await record({ outcome: 'failed', reason: reasonOf(error) }).catch(() => undefined);
    throw error;
  });
  let written: WavePointer | undefined;
  let committed = false;
  try {
    // Attempts that were killed while they held the lock are recorded now; this one is marked as under way.
    await recordStopped(storage, survey.id, options.wave, id);
    await markRunning(storage, { ...base, by: holder.by });

    // 2. The live version, and a second delivery of the upload it was made from.
    const live = await readWavePointer(storage, survey.id, options.wave);
    const redelivered =
      live !== undefined &&
      options.sourceTag !== undefined &&
      live.sourceTag === options.sourceTag &&
      live.sourceFile === options.sourceFile &&
      live.keyId === orgKeyId(options.orgKey);
    if (redelivered) return await unchanged(live, { sha256: live.sourceSha256 });

    // 3. The file, read and judged; a new version's files written.
    const input = typeof options.input === 'function' ? await options.input() : options.input;
    let prepared: Awaited<ReturnType<typeof prepareVersion>>;
    try {
      prepared = await prepareVersion({ ...options, input, survey, live, now: started });
    } catch (error) {
      if (isRefusal(error)) return await refuse(error);
      throw error;
    }
    if (prepared.unchanged) return await unchanged(live!, prepared.source);
    written = { ...prepared.pointer, ...(options.sourceTag === undefined ? {} : { sourceTag: options.sourceTag }) };

    // 4. The commit, if this attempt still holds the lock and was not stopped.
    options.signal?.throwIfAborted();
    await lease.check();
    await commitWave(storage, written);
    committed = true;

    // 5. The catalog and the clean-up.
    await settle(written);
    const { report } = prepared;
    const attempt = await record({
      outcome: 'committed',
      bytes: report.source.bytes,
      sha256: report.source.sha256,
      version: written.version,
      counts: {
        rows: report.stats.rows,
        valid: report.stats.valid,
        rejected: report.stats.rejected,
        blank: report.stats.blank,
      },
    });
    return { outcome: 'committed', attempt, pointer: written, report, completed: [] };
  } catch (error) {
    // A pointer put whose answer was lost may have landed: the version is live if the pointer names it.
    if (written !== undefined && !committed) {
      const now = await readWavePointer(storage, survey.id, options.wave).catch(() => undefined);
      committed = now?.version === written.version;
    }
    // A version that was never committed is nobody's: it goes at once (the next attempt would remove it anyway).
    if (written !== undefined && !committed) await removeVersion(storage, written).catch(() => undefined);
    const reason = committed
      ? `committed ${written?.version}, but then: ${reasonOf(error)}; the next attempt on this file completes it`
      : reasonOf(error);
    await record({ outcome: 'failed', reason, ...(committed ? { version: written?.version } : {}) }).catch(
      () => undefined,
    );
    throw error;
  } finally {
    // The record is written (or could not be): a marker left here is removed by the next attempt.
    await unmarkRunning(storage, survey.id, options.wave, id).catch(() => undefined);
    await lease.release().catch(() => undefined);
  }

  /** Switches the catalog to the live version and removes the versions no pointer names; says what it did. */
  async function settle(pointer: WavePointer): Promise<string[]> {
    const done: string[] = [];
    if (await options.catalog?.ensure(pointer)) done.push(`switched the catalog to ${pointer.version}`);
    const removed = await removeStaleVersions(storage, pointer);
    if (removed.length > 0) done.push(`removed ${removed.length} version folder(s) no pointer names`);
    return done;
  }

  /** The outcome of a file that is the live version's source: what an earlier attempt left undone is done. */
  async function unchanged(live: WavePointer, source: { bytes?: number; sha256: string }): Promise<IngestOutcome> {
    const done = await settle(live);
    const text = await storage.getText(live.report);
    const report = text === undefined ? undefined : { ...ReportSchema.parse(JSON.parse(text)), unchanged: true };
    const attempt = await record({
      outcome: 'unchanged',
      sha256: source.sha256,
      ...(source.bytes === undefined ? {} : { bytes: source.bytes }),
      version: live.version,
      ...(done.length > 0 ? { reason: `completed: ${done.join('; ')}` } : {}),
    });
    return { outcome: 'unchanged', attempt, pointer: live, ...(report ? { report } : {}), completed: done };
  }
}

/** Removes the files of one version. */
async function removeVersion(storage: Storage, pointer: WavePointer): Promise<void> {
  for (const key of [...pointer.files, pointer.report, pointer.rejected, ...(pointer.page ? [pointer.page] : [])]) {
    await storage.delete(key);
  }
}
