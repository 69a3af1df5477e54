// The worker thread of a two-thread ingest (parallel.ts): reads the second part of the file with pass one and
// reports back. Its reader gets the header record's bytes first, then the part's bytes, and is told the encoding,
// delimiter and line break the first thread detected, so both parts are read alike.
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { getSurvey } from '../../schemas/index.ts';
import { openCsv } from './csv-reader.ts';
import { orgIdWord } from './dedupe.ts';
import { fileRange, OFFER_WIDTH, type PartJob, type WorkerMessage } from './parallel.ts';
import { readPart } from './pass-one.ts';

const BATCH = 4096;

async function* partBytes(job: PartJob): AsyncGenerator<Buffer> {
  yield* fileRange(job.path, 0, { end: job.headerEnd });
  yield* fileRange(job.path, job.start, { end: job.end });
}

async function run(job: PartJob): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('ingest: part-worker.ts must run as a worker thread');
  const post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer ?? []);
  let offers = new Float64Array(BATCH * OFFER_WIDTH);
  let count = 0;
  const flush = () => {
    if (count === 0) return;
    post({ type: 'offers', offers, count }, [offers.buffer as ArrayBuffer]);
    offers = new Float64Array(BATCH * OFFER_WIDTH);
    count = 0;
  };
  // The header is read again here, so its own decode and parse errors (already counted by the first thread) are
  // found by reading it alone, and taken off this part's counts.
  const headerOnly = await openCsv(Readable.from(fileRange(job.path, 0, { end: job.headerEnd })), {
    encoding: job.encoding,
    delimiter: job.delimiter,
    lineBreak: job.lineBreak,
  });
  for await (const _ of headerOnly.batches());
  const headerSource = await headerOnly.done();
  let bytes = 0;
  const reader = await openCsv(Readable.from(partBytes(job), { highWaterMark: 1 }), {
    encoding: job.encoding,
    delimiter: job.delimiter,
    lineBreak: job.lineBreak,
    firstRowNumber: job.firstRowNumber,
    // After the header's bytes come the part's: offsets are the file's.
    shift: { from: job.headerEnd, to: job.start },
    onBytes: (read) => {
      bytes = read;
    },
  });
  // The first thread has the whole file hashed on a thread of its own (hashFile in parallel.ts).
  reader.stopHashing();
  const result = await readPart({
    reader,
    survey: getSurvey(job.survey),
    wave: job.wave,
    orgKey: job.orgKey,
    sourceFile: job.sourceFile,
    ingestedAt: job.ingestedAt,
    temp: job.temp,
    name: 'part1',
    rejectedHeader: false,
    spoolBase: job.spoolBase,
    maxListedIssues: job.maxListedIssues,
    ranges: true,
    offer: (orgId, submittedAt, spoolIndex, rowNumber) => {
      const at = count * OFFER_WIDTH;
      offers[at] = orgIdWord(orgId, 0);
      offers[at + 1] = orgIdWord(orgId, 8);
      offers[at + 2] = submittedAt ?? Number.NaN;
      offers[at + 3] = spoolIndex;
      offers[at + 4] = rowNumber;
      if (++count === BATCH) flush();
    },
    onBatch: (rows) => post({ type: 'progress', bytes: Math.max(0, bytes - job.headerEnd), rows }),
  });
  flush();
  const source = await reader.done();
  post({
    type: 'done',
    result: {
      counts: result.counts,
      warnings: { listed: result.warnings.listed, total: result.warnings.total },
      errors: { listed: result.errors.listed, total: result.errors.total },
      decodeErrors: source.decodeErrors - headerSource.decodeErrors,
      parseErrors: (source.parseErrors ?? 0) - (headerSource.parseErrors ?? 0),
      spoolPath: result.spoolPath,
      rejectedPath: result.rejectedPath,
    },
  });
  // The first thread stops this worker now: the file is hashed on a thread of its own (hashFile in parallel.ts).
}

// Loaded ahead of its job: the job arrives as the one message this worker is sent.
parentPort?.once('message', (job: PartJob) => {
  run(job).catch((error: unknown) => {
    parentPort?.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    } satisfies WorkerMessage);
  });
});
