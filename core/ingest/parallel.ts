// Two threads for one ingest: the file is cut at a record boundary (split.ts); this thread reads the first part
// and a worker thread the second, each with the same pass one (pass-one.ts). The worker hands its valid rows'
// org ids to this thread's duplicate rule in packed batches and reports its counts and issues at the end; its
// spool and rejected rows stay in files. Used only for a local file large enough to repay the worker's start.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { CsvDelimiter, CsvEncoding, CsvLineBreak } from './detect.ts';
import type { RowIssue } from './issues.ts';
import type { FileSplit } from './split.ts';

/** What the worker is asked to read. */
export interface PartJob {
  readonly path: string;
  /** The second part: bytes [start, end) of the file. */
  readonly start: number;
  readonly end: number;
  /** The header record's bytes are [0, headerEnd): the worker's reader is given them first. */
  readonly headerEnd: number;
  readonly encoding: CsvEncoding;
  readonly delimiter: CsvDelimiter;
  readonly lineBreak: CsvLineBreak;
  readonly firstRowNumber: number;
  readonly spoolBase: number;
  readonly survey: string;
  readonly wave: number;
  readonly orgKey: string;
  readonly sourceFile: string;
  readonly ingestedAt: number;
  readonly temp: string;
  readonly maxListedIssues: number;
}

/**
 * The job for the part of a file after `split`: its bytes, read after the header's, in the dialect the first
 * thread detected; its rows numbered on from the records before the cut.
 */
export function partJob(
  path: string,
  size: number,
  split: FileSplit,
  dialect: { readonly encoding: CsvEncoding; readonly delimiter: CsvDelimiter; readonly lineBreak: CsvLineBreak },
  settings: Pick<PartJob, 'survey' | 'wave' | 'orgKey' | 'sourceFile' | 'ingestedAt' | 'temp' | 'maxListedIssues'>,
): PartJob {
  return {
    ...settings,
    path,
    start: split.at,
    end: size,
    headerEnd: split.headerEnd,
    encoding: dialect.encoding,
    delimiter: dialect.delimiter,
    lineBreak: dialect.lineBreak,
    firstRowNumber: split.recordsBefore + 1,
    // The first part has recordsBefore - 1 data records, so at most that many valid rows before this one.
    spoolBase: split.recordsBefore - 1,
  };
}

/** An issue list as it crosses from the worker. */
export interface IssuesMessage {
  readonly listed: RowIssue[];
  readonly total: number;
}

/** What the worker reports when its part is read. */
export interface PartDone {
  readonly counts: { rows: number; blank: number; invalid: number; valid: number };
  readonly warnings: IssuesMessage;
  readonly errors: IssuesMessage;
  readonly decodeErrors: number;
  readonly parseErrors: number;
  readonly spoolPath: string;
  readonly rejectedPath: string;
}

/** Numbers per offered row in a batch: org_id high and low 32 bits, submitted_at (NaN for none), index, row. */
export const OFFER_WIDTH = 5;

/** Messages from the worker. */
export type WorkerMessage =
  | { readonly type: 'offers'; readonly offers: Float64Array; readonly count: number }
  | { readonly type: 'progress'; readonly bytes: number; readonly rows: number }
  | { readonly type: 'done'; readonly result: PartDone }
  | { readonly type: 'sha256'; readonly sha256: string }
  | { readonly type: 'error'; readonly message: string };

/**
 * Bytes [start, limit.end) of a file in chunks of 64 KiB growing to 1 MiB. `limit.end` may be lowered while reading: no byte
 * at or past it is handed out afterwards; `limit.yielded` tells how far the bytes handed out so far reach.
 */
export async function* fileRange(
  path: string,
  start: number,
  limit: { end: number; yielded?: number },
): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    let position = start;
    while (position < limit.end) {
      // Small chunks first, doubling up to 1 MiB: opening a reader (the sniff window) then reads little ahead of
      // where a cut may be placed.
      const length = Math.min(Math.max(1 << 16, Math.min(1 << 20, position - start)), limit.end - position);
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(chunk, 0, length, position);
      // The end may have moved while the read was in flight.
      const usable = Math.min(bytesRead, limit.end - position);
      if (usable <= 0) return;
      position += usable;
      limit.yielded = position;
      yield chunk.subarray(0, usable);
    }
  } finally {
    await handle.close();
  }
}

/** The worker reading a second part: started early (its modules load meanwhile), then given its job. */
export interface PartWorker {
  /** Hands the worker its part; its messages go to `onMessage`; the promise settles with its result. */
  run(job: PartJob, onMessage: (message: WorkerMessage) => void): Promise<PartDone>;
  /**
   * The SHA-256 of the whole file, which the worker computes once its part is read (while this thread writes
   * the Parquet): hashing is sequential, and that is when a core is free. Call after run().
   */
  fileSha256(): Promise<string>;
  terminate(): Promise<void>;
}

/** The project root, where dist/ is. */
const ROOT = new URL('../../', import.meta.url);
let bundled: URL | null | undefined;

/**
 * `dir`/part-worker.mjs (built by bin/build-worker.js) when every source file `dir`/part-worker.json lists, by its
 * path under `root`, still has the SHA-256 it was built from; else null (no bundle, or it is older than a source).
 */
export function freshBundle(root: URL, dir: URL): URL | null {
  try {
    const manifest = JSON.parse(readFileSync(new URL('part-worker.json', dir), 'utf8')) as {
      inputs: Record<string, string>;
    };
    const inputs = Object.entries(manifest.inputs);
    const hash = (path: string) =>
      createHash('sha256')
        .update(readFileSync(new URL(path, root)))
        .digest('hex');
    return inputs.length > 0 && inputs.every(([path, sha256]) => hash(path) === sha256)
      ? new URL('part-worker.mjs', dir)
      : null;
  } catch {
    // No bundle, or a source file gone: the TypeScript is loaded instead.
    return null;
  }
}

/** The project's part worker bundle when it matches the sources (checked once per process: ~30 files hashed). */
function projectBundle(): URL | null {
  bundled ??= freshBundle(ROOT, new URL('dist/', ROOT));
  return bundled;
}

/** The part worker run as TypeScript: the entry registers tsx, then imports part-worker.ts. */
export const TYPESCRIPT_WORKER = new URL('./part-worker-entry.mjs', import.meta.url);

/**
 * Starts a worker thread that loads pass one and waits for a job: from `entry`, by default the project's bundle
 * when it matches the sources, else the TypeScript.
 */
export function startPartWorker(entry: URL = projectBundle() ?? TYPESCRIPT_WORKER): PartWorker {
  const worker = new Worker(entry, {
    // A small old generation (the worker keeps little), and a young one as large as this thread's: a worker's
    // default is smaller, and scavenging more often cost it about 7% on 1M rows (5.5-5.9 s against 6.0-6.2 s,
    // peak RSS 285-300 MB against 250-260 MB).
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 64 },
  });
  // An error before run() (a module that fails to load) surfaces when run() is awaited.
  let early: Error | undefined;
  const onEarlyError = (error: Error) => {
    early = error;
  };
  worker.on('error', onEarlyError);
  let sha256: Promise<string> | undefined;
  return {
    run(job, onMessage) {
      worker.off('error', onEarlyError);
      let hashed: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
      sha256 = new Promise<string>((resolve, reject) => {
        hashed = { resolve, reject };
      });
      const done = new Promise<PartDone>((resolve, reject) => {
        const fail = (error: Error) => {
          reject(error);
          hashed?.reject(error);
        };
        if (early) fail(early);
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'done') resolve(message.result);
          else if (message.type === 'sha256') hashed?.resolve(message.sha256);
          else if (message.type === 'error') fail(new Error(message.message));
          else onMessage(message);
        });
        worker.on('error', fail);
        worker.on('exit', (code) =>
          fail(new Error(`ingest: the part worker stopped (exit code ${code}) before it finished`)),
        );
      });
      // A failure is handled where the promises are awaited; until then it must not count as unhandled.
      done.catch(() => undefined);
      sha256.catch(() => undefined);
      worker.postMessage(job);
      return done;
    },
    fileSha256() {
      if (sha256 === undefined) return Promise.reject(new Error('ingest: fileSha256() before run()'));
      return sha256;
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}
