import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, openSync, readSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { checkWave, getSurvey, type Report, ReportSchema, type SurveyDefinition } from '../../schemas/index.ts';
import { commitWave, curatedWavePrefix, readWavePointer, reportsPrefix, type WavePointer } from '../lake.ts';
import { ParquetWriter } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import { type CsvReader, type CsvSource, openCsv, parseRecordText } from './csv-reader.ts';
import { DuplicateTracker } from './dedupe.ts';
import { type HeaderMatch, matchHeaders } from './headers.ts';
import type { RowIssue } from './issues.ts';
import {
  type FileHash,
  fileRange,
  hashFile,
  OFFER_WIDTH,
  type PartWorker,
  partJob,
  startPartWorker,
} from './parallel.ts';
import { COLUMNS, type IssueList, type PartResult, readPart, rejectedLine, TextSink } from './pass-one.ts';
import { type FileSplit, findSplit } from './split.ts';
import { readSpool } from './spool.ts';

/** Progress of an ingest, for a progress bar. */
export interface IngestProgress {
  readonly bytes: number;
  readonly rows: number;
}

/** What one ingest needs: plain, typed arguments (no environment, no command line). */
export interface IngestOptions {
  readonly storage: Storage;
  /** The raw file as a byte stream; or give `path`. */
  readonly input?: Readable;
  /**
   * The raw file's path, when it is a local file: then a large file is read by two threads, each from its own
   * half, with the same result. Give `input` or `path`, not both.
   */
  readonly path?: string;
  /** Whether a large local file may be read by two threads. Default true. */
  readonly parallel?: boolean;
  /** The file size from which two threads are used. Default 64 MiB. */
  readonly parallelMinBytes?: number;
  readonly survey: string;
  readonly wave: number;
  /** The uploaded object's key or the file name: recorded in source_file and the report. */
  readonly sourceFile: string;
  /** The secret key of the org_id HMAC. */
  readonly orgKey: string;
  /** The ingest time, recorded as ingested_at. Default: now. */
  readonly now?: Date;
  /** How many errors and how many warnings the report lists before it says the list was capped. Default 1000. */
  readonly maxListedIssues?: number;
  /** Where the spool goes. Default: the OS temp directory. */
  readonly tempDir?: string;
  /** The input's size in bytes, when known: sizes the duplicate table up front. */
  readonly inputBytes?: number;
  /** Called as bytes are read and rows are processed. */
  readonly onProgress?: (progress: IngestProgress) => void;
  /** Called after the wave's pointer is committed (the cloud switches the Glue partition here). */
  readonly afterCommit?: (pointer: WavePointer) => Promise<void>;
}

/** The outcome of an ingest. */
export interface IngestResult {
  readonly report: Report;
  /** True when the source was byte-identical to the live wave's: nothing was written. */
  readonly unchanged: boolean;
  readonly pointer: WavePointer;
  readonly reportKey: string;
  readonly rejectedKey: string;
  /** How many threads read the file: 2 when a large local file was cut in two, else 1. */
  readonly threads: number;
}

/** A whole-file problem: nothing was written to the lake. */
export class IngestError extends Error {
  /** Creates a one-line ingest error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IngestError';
  }
}

/**
 * From this size, a local file is read by two threads. The worker's start (its own TypeScript and modules) costs
 * about 0.4 s and 80 MB: on a 27 MB wave two threads were slower than one (1.65 s against 1.26 s), on 80 MB about
 * even, on 266 MB a quarter faster.
 */
const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/**
 * The share of the file this thread reads when two do. The worker starts a little later (it loads its modules)
 * but this thread also takes the worker's rows into the duplicate rule: on 1M rows, 0.47 and 0.51 were both
 * slower than half. Once both parts are read, a small thread hashes the whole file while this one writes the
 * Parquet.
 */
const FIRST_PART_SHARE = 0.5;

/** What pass one produced, whichever way the file was read. */
interface PassOne {
  readonly header: HeaderMatch;
  readonly source: CsvSource;
  readonly counts: { rows: number; blank: number; invalid: number; valid: number };
  readonly warnings: IssueList;
  readonly errors: IssueList;
  readonly dedupe: DuplicateTracker;
  /** The spools in file order, each with the spool index of its first row. */
  readonly spools: readonly { readonly path: string; readonly base: number }[];
  readonly rejectedPath: string;
  readonly headerLength: number;
  readonly threads: number;
  /**
   * The file's SHA-256: known at once when one thread read the file (source.sha256); with two, a thread of its
   * own hashes the file while this thread writes the Parquet, and source.sha256 is not the file's.
   */
  readonly sha256: Promise<string>;
  /** Stops the hashing thread, if any; call once the SHA-256 is in (or on failure). */
  release(): Promise<void>;
}

/** Progress of pass one, from however many threads read the file. */
class Progress {
  private bytes = [0, 0];
  private rows = [0, 0];
  constructor(private readonly report: ((progress: IngestProgress) => void) | undefined) {}
  set(part: number, bytes: number, rows: number): void {
    if (bytes >= 0) this.bytes[part] = bytes;
    if (rows >= 0) this.rows[part] = rows;
    this.report?.({ bytes: this.bytes[0]! + this.bytes[1]!, rows: this.rows[0]! + this.rows[1]! });
  }
}

/** The shared fields of a pass-one part. */
function partBase(options: IngestOptions, survey: SurveyDefinition, temp: string, ingestedAt: number) {
  return {
    survey,
    wave: options.wave,
    orgKey: options.orgKey,
    sourceFile: options.sourceFile,
    ingestedAt,
    temp,
    maxListedIssues: options.maxListedIssues ?? 1000,
  };
}

/** A duplicate tracker sized for the input. */
function newTracker(options: IngestOptions, temp: string): DuplicateTracker {
  // About 200 bytes a row is the low end of real exports, so this over- rather than under-estimates.
  return new DuplicateTracker({ dir: temp, expectedRows: Math.ceil((options.inputBytes ?? 0) / 200) });
}

/** Pass one over the file's first part (or all of it) on this thread, its rows offered to `dedupe` directly. */
function readFirstPart(
  options: IngestOptions,
  reader: CsvReader,
  dedupe: DuplicateTracker,
  progress: Progress,
  temp: string,
  ingestedAt: number,
): Promise<PartResult> {
  return readPart({
    ...partBase(options, getSurvey(options.survey), temp, ingestedAt),
    reader,
    name: 'part0',
    rejectedHeader: true,
    spoolBase: 0,
    // A file (not a stream) can be read again in pass two: its rows keep their place in it, not their text.
    ranges: options.path !== undefined,
    offer: (orgId, submittedAt, spoolIndex, rowNumber) => dedupe.offer(orgId, submittedAt, spoolIndex, rowNumber),
    onBatch: (rows) => progress.set(0, -1, rows),
  });
}

/** Pass one on this thread, over the whole file. */
async function readOnOneThread(
  options: IngestOptions,
  reader: CsvReader,
  progress: Progress,
  temp: string,
  ingestedAt: number,
): Promise<PassOne> {
  const dedupe = newTracker(options, temp);
  const part = await readFirstPart(options, reader, dedupe, progress, temp, ingestedAt);
  if (part.counts.rows === 0) {
    throw new IngestError('ingest: the file has a header but no data rows; nothing was ingested');
  }
  const source = await reader.done();
  return onePart(part, source, dedupe, reader);
}

function onePart(part: PartResult, source: CsvSource, dedupe: DuplicateTracker, reader: CsvReader): PassOne {
  return {
    header: part.header,
    headerLength: reader.header.length,
    source,
    counts: part.counts,
    warnings: part.warnings,
    errors: part.errors,
    dedupe,
    spools: [{ path: part.spoolPath, base: 0 }],
    rejectedPath: part.rejectedPath,
    threads: 1,
    sha256: Promise.resolve(source.sha256),
    release: () => Promise.resolve(),
  };
}

/**
 * Pass one on two threads: this one reads [0, split.at), a worker [split.at, end). Returns undefined when the two
 * parts disagree with the cut (the first part's reader did not end with exactly the records the scan counted):
 * the caller then reads the file on one thread.
 */
async function readOnTwoThreads(
  options: IngestOptions & { readonly path: string },
  worker: PartWorker,
  reader: CsvReader,
  split: FileSplit,
  size: number,
  progress: Progress,
  temp: string,
  ingestedAt: number,
): Promise<PassOne | undefined> {
  const survey = getSurvey(options.survey);
  const dedupe = newTracker(options, temp);
  const base = partBase(options, survey, temp, ingestedAt);
  const job = partJob(options.path, size, split, reader, { ...base, survey: survey.id });
  const done = worker.run(job, (message) => {
    if (message.type === 'offers') {
      const offers = message.offers;
      for (let k = 0; k < message.count; k++) {
        const at = k * OFFER_WIDTH;
        const submitted = offers[at + 2]!;
        dedupe.offerParsed(
          offers[at]!,
          offers[at + 1]!,
          Number.isNaN(submitted) ? null : submitted,
          offers[at + 3]!,
          offers[at + 4]!,
        );
      }
    } else if (message.type === 'progress') {
      progress.set(1, message.bytes, message.rows);
    }
  });
  let hash: FileHash | undefined;
  try {
    const first = await readFirstPart(options, reader, dedupe, progress, temp, ingestedAt);
    const firstSource = await reader.done();
    if (first.counts.rows !== split.recordsBefore - 1) {
      await worker.terminate();
      return undefined;
    }
    const second = await done;
    // Its part is read: the worker's heap is freed before pass two, and the file hashed on a small thread.
    await worker.terminate();
    const fileHash = hashFile(options.path);
    hash = fileHash;
    await pipeline(createReadStream(second.rejectedPath), createWriteStream(first.rejectedPath, { flags: 'a' }));
    first.warnings.merge(second.warnings);
    first.errors.merge(second.errors);
    const counts = {
      rows: first.counts.rows + second.counts.rows,
      blank: first.counts.blank + second.counts.blank,
      invalid: first.counts.invalid + second.counts.invalid,
      valid: first.counts.valid + second.counts.valid,
    };
    return {
      header: first.header,
      headerLength: reader.header.length,
      source: {
        encoding: reader.encoding,
        delimiter: reader.delimiter,
        bytes: size,
        // Not the file's: a thread of its own hashes the whole file (sha256 below).
        sha256: '',
        decodeErrors: firstSource.decodeErrors + second.decodeErrors,
        parseErrors: (firstSource.parseErrors ?? 0) + second.parseErrors,
      },
      counts,
      warnings: first.warnings,
      errors: first.errors,
      dedupe,
      spools: [
        { path: first.spoolPath, base: 0 },
        { path: second.spoolPath, base: job.spoolBase },
      ],
      rejectedPath: first.rejectedPath,
      threads: 2,
      sha256: fileHash.sha256,
      release: () => fileHash.stop(),
    };
  } catch (error) {
    await worker.terminate();
    await hash?.stop();
    throw error;
  }
}

/** Pass one: on two threads for a large local file with a clean cut, else on this one. */
async function readPassOne(options: IngestOptions, temp: string, ingestedAt: number): Promise<PassOne> {
  const progress = new Progress(options.onProgress);
  const onBytes = (bytes: number) => progress.set(0, bytes, -1);
  const { path, input } = options;
  if ((path === undefined) === (input === undefined)) {
    throw new Error('ingest: give the file as exactly one of input (a stream) or path, got both or neither');
  }
  if (input !== undefined)
    // A stream cannot be read again in pass two: its rows keep their text, so there is no need to locate them.
    return readOnOneThread(options, await openCsv(input, { onBytes, locate: false }), progress, temp, ingestedAt);
  if (path === undefined) throw new Error('ingest: unreachable: no path and no input');
  const size = (await stat(path)).size;
  const twoThreads = options.parallel !== false && size >= (options.parallelMinBytes ?? PARALLEL_MIN_BYTES);
  // Started first, so that its modules load while this thread opens the file and looks for the cut.
  const worker = twoThreads ? startPartWorker() : undefined;
  try {
    const limit = { end: size, yielded: 0 };
    const stream = Readable.from(fileRange(path, 0, limit), { highWaterMark: 1 });
    const reader = await openCsv(stream, { onBytes });
    if (worker !== undefined && reader.lineBreak === '\n') {
      // Whole-file refusals (missing or doubled columns) come before the worker is given anything.
      matchHeaders(reader.header, getSurvey(options.survey));
      const split = await findSplit(path, reader.delimiter, Math.floor(size * FIRST_PART_SHARE));
      if (split !== undefined && limit.yielded <= split.at) {
        limit.end = split.at;
        // A thread of its own hashes the whole file once both parts are read (see readOnTwoThreads).
        reader.stopHashing();
        const args = [{ ...options, path }, worker, reader, split, size, progress, temp, ingestedAt] as const;
        const passOne = await readOnTwoThreads(...args);
        if (passOne !== undefined) return passOne;
        // The parts disagreed with the cut (quoting the scan could not see): read it all again, on one thread.
        await rm(temp, { recursive: true, force: true });
        await mkdir(temp, { recursive: true });
        const whole = Readable.from(fileRange(path, 0, { end: size }), { highWaterMark: 1 });
        return readOnOneThread(options, await openCsv(whole, { onBytes }), progress, temp, ingestedAt);
      }
    }
    await worker?.terminate();
    return readOnOneThread(options, reader, progress, temp, ingestedAt);
  } catch (error) {
    await worker?.terminate();
    throw error;
  }
}

/** A sortable, unique version name: the ingest time then a random suffix. */
function versionName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `v${stamp}-${randomBytes(4).toString('hex')}`;
}

/**
 * Ingests one survey wave: reads and validates every row, writes the curated Parquet under a new version,
 * commits it atomically, then writes report.json and rejected.csv. Whole-file problems (unknown survey, wave out
 * of range, unreadable file, missing or doubled columns, no data rows) throw before anything is written.
 */
export async function ingestWave(options: IngestOptions): Promise<IngestResult> {
  const survey = getSurvey(options.survey);
  checkWave(survey, options.wave);
  const started = performance.now();
  const now = options.now ?? new Date();
  const ingestedAt = now.getTime();
  const temp = await mkdtemp(join(options.tempDir ?? tmpdir(), 'survey-ingest-'));
  const reportKey = `${reportsPrefix(survey.id, options.wave)}report.json`;
  const rejectedKey = `${reportsPrefix(survey.id, options.wave)}rejected.csv`;
  const passOne = await readPassOne(options, temp, ingestedAt).catch(async (error: unknown) => {
    await rm(temp, { recursive: true, force: true });
    throw error;
  });
  try {
    const { header, headerLength, source, counts, warnings, errors, dedupe, spools, rejectedPath, threads } = passOne;

    const live = await readWavePointer(options.storage, survey.id, options.wave);
    /** The live wave's result again, when this file is byte for byte the one it came from. */
    const unchangedResult = async (sha256: string): Promise<IngestResult | undefined> => {
      if (!live || live.sourceSha256 !== sha256) return undefined;
      const text = await options.storage.getText(reportKey);
      const previous = text ? ReportSchema.parse(JSON.parse(text)) : undefined;
      if (!previous) return undefined;
      return {
        report: { ...previous, unchanged: true },
        unchanged: true,
        pointer: live,
        reportKey,
        rejectedKey,
        threads,
      };
    };
    // One thread hashed the file as it read it: an unchanged file goes no further. With two, the hashing thread
    // is still at work, and the check comes after pass two.
    if (threads === 1) {
      const unchanged = await unchangedResult(await passOne.sha256);
      if (unchanged) return unchanged;
    }

    // Pass two: the spool's kept rows → curated Parquet under a new version.
    const version = versionName(now);
    const versionPrefix = `${curatedWavePrefix(survey.id, options.wave)}${version}/`;
    const parquetKey = `${versionPrefix}part-00000.parquet`;
    const parquetStream = new PassThrough({ highWaterMark: 1 << 20 });
    const parquetUpload = options.storage.put(parquetKey, parquetStream, {
      contentType: 'application/vnd.apache.parquet',
    });
    const writer = new ParquetWriter(COLUMNS, async (chunk) => {
      if (!parquetStream.write(chunk)) await once(parquetStream, 'drain');
    });
    const outcome = await dedupe.finish();
    // Rows that lost to a newer submission of their organisation join rejected.csv, with their raw cells.
    let losers = '';
    const onLoser = (spoolIndex: number, rowNumber: number, cells: string[]) => {
      const loser = outcome.loser(spoolIndex);
      if (loser === undefined)
        throw new Error(`ingest: spool row ${spoolIndex} lost, but the duplicate rule has no record of it`);
      const issue: RowIssue = {
        type: 'duplicate-row',
        rowNumber,
        fieldName: 'org_id',
        cell: loser.orgId,
        message: `ingest: row ${rowNumber} is a duplicate submission of organisation ${loser.orgId}; row ${loser.keptRow} is kept (latest submitted_at, then the later row)`,
      };
      errors.add(issue);
      losers += rejectedLine(cells, headerLength, rowNumber, [issue]);
    };
    // A large buffer, as pass one's: at the default 16 KiB every flush of losers' lines waited for the disk.
    const rejectedSink = new TextSink(createWriteStream(rejectedPath, { flags: 'a', highWaterMark: 1 << 20 }));
    // A losing row's original cells: from its spooled text, or read again from the file where it lies.
    const parseText = (text: string) => parseRecordText(text, source.delimiter);
    const file = options.path === undefined ? undefined : openSync(options.path, 'r');
    const decodeRange =
      source.encoding === 'windows-1252'
        ? (bytes: Buffer) => iconv.decode(bytes, 'windows1252')
        : (bytes: Buffer) => bytes.toString('utf8');
    const readRange = (offset: number, byteLength: number): string[] => {
      if (file === undefined)
        throw new Error('ingest: a row was spooled as a range of a file, but the input is a stream');
      const bytes = Buffer.allocUnsafe(byteLength);
      const read = readSync(file, bytes, 0, byteLength, offset);
      if (read !== byteLength) {
        throw new Error(
          `ingest: ${options.path} changed while it was ingested: ${read} of ${byteLength} bytes at ${offset}`,
        );
      }
      return parseText(decodeRange(bytes));
    };
    try {
      for (const spool of spools) {
        const isLoser = (index: number) => outcome.isLoser(index);
        for await (const block of readSpool(spool.path, COLUMNS, isLoser, onLoser, spool.base, {
          parseText,
          readRange,
        })) {
          for (const [start, end] of block.kept) await writer.appendColumns(block.columns, start, end);
          await rejectedSink.write(losers);
          losers = '';
        }
      }
      await writer.close();
      parquetStream.end();
    } catch (error) {
      parquetStream.destroy(error as Error);
      throw error;
    } finally {
      if (file !== undefined) closeSync(file);
      await parquetUpload;
    }
    await rejectedSink.close();
    const sha256 = await passOne.sha256;
    if (threads > 1) {
      const unchanged = await unchangedResult(sha256);
      if (unchanged) {
        // Nothing of this ingest may stay: its version was never committed, so no reader has seen it.
        await options.storage.deletePrefix(versionPrefix);
        return unchanged;
      }
    }
    errors.listed.sort((a, b) => (a.rowNumber ?? 0) - (b.rowNumber ?? 0));
    const valid = counts.valid - outcome.duplicates;
    const rejected = counts.invalid + outcome.duplicates;

    if (source.decodeErrors > 0) {
      warnings.add({
        type: 'encoding-error',
        rowNumber: null,
        message: `ingest: ${source.decodeErrors} invalid ${source.encoding} byte sequence(s) were read as the replacement character U+FFFD`,
      });
    }

    if (errors.listed.length < errors.total) {
      warnings.add({
        type: 'report-capped',
        rowNumber: null,
        message: `ingest: the report lists the first ${errors.listed.length} of ${errors.total} errors; every rejected row is in rejected.csv`,
      });
    }
    if (warnings.listed.length < warnings.total) {
      warnings.listed.push({
        type: 'report-capped',
        rowNumber: null,
        message: `ingest: the report lists the first ${warnings.listed.length} of ${warnings.total} warnings`,
      });
    }
    const pointer: WavePointer = {
      survey: survey.id,
      wave: options.wave,
      version,
      files: [parquetKey],
      sourceSha256: sha256,
      sourceFile: options.sourceFile,
      rows: valid,
      committedAt: now.toISOString(),
    };
    await commitWave(options.storage, pointer);
    await options.afterCommit?.(pointer);

    const report: Report = ReportSchema.parse({
      valid: rejected === 0,
      survey: survey.id,
      wave: options.wave,
      source: {
        file: options.sourceFile,
        bytes: source.bytes,
        sha256,
        encoding: source.encoding,
        delimiter: source.delimiter,
      },
      stats: {
        rows: counts.rows,
        valid,
        rejected,
        blank: counts.blank,
        errors: errors.total,
        warnings: warnings.total,
        seconds: Math.round(performance.now() - started) / 1000,
      },
      header: { matched: header.matched, unknown: header.unknown, dropped: header.dropped },
      errors: errors.listed,
      warnings: warnings.listed,
    });
    if (report.stats.rows !== report.stats.valid + report.stats.rejected + report.stats.blank) {
      throw new IngestError(`ingest: internal accounting error: ${JSON.stringify(report.stats)}`);
    }
    await options.storage.put(rejectedKey, createReadStream(rejectedPath), {
      contentType: 'text/csv; charset=utf-8',
    });
    await options.storage.put(reportKey, `${JSON.stringify(report, null, 2)}\n`, { contentType: 'application/json' });
    return { report, unchanged: false, pointer, reportKey, rejectedKey, threads };
  } finally {
    await passOne.release();
    await rm(temp, { recursive: true, force: true });
  }
}
