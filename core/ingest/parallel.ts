// Two threads for one ingest: the file is cut at a record boundary (split.ts); this thread reads the first part
// and a worker thread the second, each with the same pass one (pass-one.ts). The worker hands its valid rows'
// org ids to this thread's duplicate rule in packed batches and reports its counts and issues at the end; its
// spool and rejected rows stay in files. Used only for a local file large enough to repay the worker's start.
import { open } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { freshBundle } from '../../bin/bundles.js';
import { projectRoot } from '../project-root.ts';
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
  terminate(): Promise<void>;
}

/** The project root, where dist/ is (this module may run from its TypeScript or from a bundle in dist/). */
const ROOT = pathToFileURL(`${projectRoot(fileURLToPath(new URL('../../', import.meta.url)))}/`);
let bundled: URL | null | undefined;

export { freshBundle };

/** The project's part worker bundle when it matches the sources (checked once per process: ~30 files hashed). */
function projectBundle(): URL | null {
  bundled ??= freshBundle(ROOT, new URL('dist/', ROOT));
  return bundled;
}

/** The part worker run as TypeScript: the entry registers tsx, then imports part-worker.ts. */
export const TYPESCRIPT_WORKER = new URL('core/ingest/part-worker-entry.mjs', ROOT);

/**
 * Starts a worker thread that loads pass one and waits for a job: from `entry`, by default the project's bundle
 * when it matches the sources, else the TypeScript.
 */
export function startPartWorker(entry: URL = projectBundle() ?? TYPESCRIPT_WORKER): PartWorker {
  const worker = new Worker(entry, {
    // A small old generation (the worker keeps little) and a 32 MB young one. A worker's default young generation
    // is smaller, and scavenging more often cost it about 7%. 64 MB was no faster and held peak RSS at 1M rows
    // 25-45 MB higher, which the 100k ingest (over before its young generation has grown) does not reach: on 1M
    // rows, medians of 3-4 interleaved runs, 32, 48 and 64 MB took 5.11, 5.19 and 5.33 s (peak RSS 210-213,
    // 207-216 and 242-248 MB). With the marking trigger of bin/heap.js at 80%, 32 MB took 4.91 s and 48 MB
    // 5.08 s; at the 50% it runs with, 32 MB took 4.92 s.
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 32 },
  });
  // An error before run() (a module that fails to load) surfaces when run() is awaited.
  let early: Error | undefined;
  const onEarlyError = (error: Error) => {
    early = error;
  };
  worker.on('error', onEarlyError);
  return {
    run(job, onMessage) {
      worker.off('error', onEarlyError);
      const done = new Promise<PartDone>((resolve, reject) => {
        const fail = (error: Error) => reject(error);
        if (early) fail(early);
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'done') resolve(message.result);
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
      worker.postMessage(job);
      return done;
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** The hashing thread's whole program (CommonJS, as an eval worker runs): the file's SHA-256, posted as hex. */
const HASH_PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('sha256');
createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (chunk) => hash.update(chunk))
  .on('end', () => parentPort.postMessage(hash.digest('hex')))
  .on('error', (error) => { throw error; });
`;

/** A file's SHA-256 being computed on a thread of its own; stop() ends the thread early (on failure). */
export interface FileHash {
  readonly sha256: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Hashes the file at `path` on a small thread of its own, a few lines of code with a small heap: SHA-256 cannot
 * be cut in two, so with two threads neither part's reader can hash the file, and the part worker, done with its
 * part, is stopped at once (its heap is most of the ingest's memory) instead of hashing the file itself.
 */
export function hashFile(path: string): FileHash {
  const worker = new Worker(HASH_PROGRAM, {
    eval: true,
    workerData: path,
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 8 },
  });
  const sha256 = new Promise<string>((resolve, reject) => {
    worker.once('message', (hex: string) => {
      resolve(hex);
      void worker.terminate();
    });
    worker.once('error', (error) => reject(new Error(`ingest: hashing ${path} failed: ${error.message}`)));
    worker.once('exit', (code) =>
      reject(new Error(`ingest: the hashing thread stopped (exit code ${code}) before it finished`)),
    );
  });
  // A failure is handled where the hash is awaited; until then it must not count as unhandled.
  sha256.catch(() => undefined);
  return {
    sha256,
    stop: async () => {
      await worker.terminate();
    },
  };
}
