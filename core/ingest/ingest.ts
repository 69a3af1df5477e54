import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { checkWave, getSurvey, parquetColumns, type Report, ReportSchema } from '../../schemas/index.ts';
import { commitWave, curatedWavePrefix, readWavePointer, reportsPrefix, type WavePointer } from '../lake.ts';
import { ParquetWriter } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import { openCsv } from './csv-reader.ts';
import { DuplicateTracker } from './dedupe.ts';
import { matchHeaders } from './headers.ts';
import type { RowIssue } from './issues.ts';
import { createNormaliser } from './normalise.ts';
import { csvLine } from './rejected-csv.ts';
import { RecordSpool, readSpool } from './spool.ts';

/** Progress of an ingest, for a progress bar. */
export interface IngestProgress {
  readonly bytes: number;
  readonly rows: number;
}

/** What one ingest needs: plain, typed arguments (no environment, no command line). */
export interface IngestOptions {
  readonly storage: Storage;
  /** The raw file as a byte stream. */
  readonly input: Readable;
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
}

/** A whole-file problem: nothing was written to the lake. */
export class IngestError extends Error {
  /** Creates a one-line ingest error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IngestError';
  }
}

const COLUMNS = parquetColumns();

/** Caps a list of issues, counting everything. */
class IssueList {
  readonly listed: RowIssue[] = [];
  total = 0;
  constructor(private readonly cap: number) {}
  add(issue: RowIssue): void {
    this.total++;
    if (this.listed.length < this.cap) this.listed.push(issue);
  }
}

/** Writes text to a file stream in large pieces, waiting when the stream is full. */
class TextSink {
  private buffer = '';
  constructor(private readonly stream: WriteStream) {}
  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = '';
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'close');
  }
}

/** Whether every cell of a row is empty or white space (the first character settles almost every cell). */
function isBlankRow(cells: readonly string[]): boolean {
  for (const cell of cells) {
    const first = cell.charCodeAt(0);
    if (first > 0x20 && first < 0x7f) return false;
    if (cell.trim() !== '') return false;
  }
  return true;
}

/** One rejected.csv line: the original cells (padded to the header), the row number and the errors. */
function rejectedLine(cells: readonly string[], headerLength: number, rowNumber: number, errors: readonly RowIssue[]) {
  const original = cells.slice(0, headerLength);
  while (original.length < headerLength) original.push('');
  let messages = errors.map((error) => error.message).join(' | ');
  if (cells.length > headerLength) messages += ` | extra cells: ${JSON.stringify(cells.slice(headerLength))}`;
  return csvLine([...original, String(rowNumber), messages]);
}

/**
 * Pass one: reads and normalises every row. Rejected rows go straight to rejected.csv; valid rows go to the
 * spool (their canonical values, typed, column by column, with their raw cells, needed only for rows that later
 * lose to a newer submission of the same organisation).
 */
async function readIntoSpool(options: IngestOptions, temp: string, ingestedAt: number) {
  const survey = getSurvey(options.survey);
  const counts = { rows: 0, blank: 0, invalid: 0, valid: 0 };
  const reader = await openCsv(options.input, {
    onBytes: (bytes) => options.onProgress?.({ bytes, rows: counts.rows }),
  });
  const header = matchHeaders(reader.header, survey);
  const headerLength = reader.header.length;
  const normalise = createNormaliser({
    survey,
    wave: options.wave,
    header,
    headerLength,
    orgKey: options.orgKey,
    sourceFile: options.sourceFile,
    ingestedAt,
  });
  const cap = options.maxListedIssues ?? 1000;
  const warnings = new IssueList(cap);
  const errors = new IssueList(cap);
  // About 200 bytes a row is the low end of real exports, so this over- rather than under-estimates.
  const dedupe = new DuplicateTracker({ dir: temp, expectedRows: Math.ceil((options.inputBytes ?? 0) / 200) });
  const spool = await RecordSpool.create(join(temp, 'values.spool'), COLUMNS);
  const rejected = new TextSink(createWriteStream(join(temp, 'rejected.csv'), { highWaterMark: 1 << 20 }));
  await rejected.write(`\ufeff${csvLine([...reader.header, '_row', '_errors'])}`);
  try {
    for await (const batch of reader.batches()) {
      let rejectedText = '';
      for (const { rowNumber, cells } of batch) {
        counts.rows++;
        if (isBlankRow(cells)) {
          counts.blank++;
          continue;
        }
        const row = normalise(cells, rowNumber);
        for (const warning of row.warnings) warnings.add(warning);
        if (row.record === null) {
          counts.invalid++;
          for (const error of row.errors) errors.add(error);
          rejectedText += rejectedLine(cells, headerLength, rowNumber, row.errors);
          continue;
        }
        dedupe.offer(row.record.org_id, row.record.submitted_at, counts.valid, rowNumber);
        counts.valid++;
        spool.add(row.record, rowNumber, cells);
      }
      await spool.drain();
      await rejected.write(rejectedText);
      options.onProgress?.({ bytes: -1, rows: counts.rows });
    }
  } finally {
    await Promise.all([spool.close(), rejected.close()]);
  }
  if (counts.rows === 0) {
    throw new IngestError('ingest: the file has a header but no data rows; nothing was ingested');
  }
  const source = await reader.done();
  return { header, headerLength, source, counts, warnings, errors, dedupe };
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
  try {
    const { header, headerLength, source, counts, warnings, errors, dedupe } = await readIntoSpool(
      options,
      temp,
      ingestedAt,
    );

    const live = await readWavePointer(options.storage, survey.id, options.wave);
    if (live && live.sourceSha256 === source.sha256) {
      const text = await options.storage.getText(reportKey);
      const previous = text ? ReportSchema.parse(JSON.parse(text)) : undefined;
      if (previous) {
        return { report: { ...previous, unchanged: true }, unchanged: true, pointer: live, reportKey, rejectedKey };
      }
    }

    // Pass two: the spool's kept rows → curated Parquet under a new version.
    const version = versionName(now);
    const parquetKey = `${curatedWavePrefix(survey.id, options.wave)}${version}/part-00000.parquet`;
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
    const rejectedSink = new TextSink(createWriteStream(join(temp, 'rejected.csv'), { flags: 'a' }));
    try {
      const spooled = readSpool(join(temp, 'values.spool'), COLUMNS, (index) => outcome.isLoser(index), onLoser);
      for await (const block of spooled) {
        for (const [start, end] of block.kept) await writer.appendColumns(block.columns, start, end);
        await rejectedSink.write(losers);
        losers = '';
      }
      await writer.close();
      parquetStream.end();
    } catch (error) {
      parquetStream.destroy(error as Error);
      throw error;
    } finally {
      await parquetUpload;
    }
    await rejectedSink.close();
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
      sourceSha256: source.sha256,
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
        sha256: source.sha256,
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
    await options.storage.put(rejectedKey, createReadStream(join(temp, 'rejected.csv')), {
      contentType: 'text/csv; charset=utf-8',
    });
    await options.storage.put(reportKey, `${JSON.stringify(report, null, 2)}\n`, { contentType: 'application/json' });
    return { report, unchanged: false, pointer, reportKey, rejectedKey };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
