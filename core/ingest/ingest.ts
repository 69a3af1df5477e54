import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import {
  type CanonicalRecord,
  checkWave,
  getSurvey,
  parquetColumns,
  type Report,
  ReportSchema,
} from '../../schemas/index.ts';
import { commitWave, curatedWavePrefix, readWavePointer, reportsPrefix, type WavePointer } from '../lake.ts';
import { type ParquetValue, ParquetWriter } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import { openCsv } from './csv-reader.ts';
import { DuplicateTracker } from './dedupe.ts';
import { matchHeaders } from './headers.ts';
import type { RowIssue } from './issues.ts';
import { createNormaliser } from './normalise.ts';
import { csvLine } from './rejected-csv.ts';

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

/** One spooled row: rejected rows keep their issues, valid rows their canonical values in Parquet order. */
type SpoolLine =
  | [kind: 0, row: number, cells: string[], errors: RowIssue[]]
  | [kind: 1, row: number, cells: string[], values: ParquetValue[]];

const COLUMNS = parquetColumns();
const ORG_ID_INDEX = COLUMNS.findIndex((column) => column.name === 'org_id');

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

/** Reads the file and normalises every row into the spool; returns the counts for pass two. */
async function readIntoSpool(options: IngestOptions, spoolPath: string, ingestedAt: number) {
  const survey = getSurvey(options.survey);
  const counts = { rows: 0, blank: 0, invalid: 0, spooled: 0, maxCells: 0 };
  const reader = await openCsv(options.input, {
    onBytes: (bytes) => options.onProgress?.({ bytes, rows: counts.rows }),
  });
  const header = matchHeaders(reader.header, survey);
  const normalise = createNormaliser({
    survey,
    wave: options.wave,
    header,
    headerLength: reader.header.length,
    orgKey: options.orgKey,
    sourceFile: options.sourceFile,
    ingestedAt,
  });
  const cap = options.maxListedIssues ?? 1000;
  const warnings = new IssueList(cap);
  const dedupe = new DuplicateTracker();
  counts.maxCells = reader.header.length;
  const spool = createWriteStream(spoolPath, { highWaterMark: 1 << 20 });
  try {
    for await (const batch of reader.batches()) {
      let text = '';
      for (const { rowNumber, cells } of batch) {
        counts.rows++;
        if (cells.every((cell) => cell.trim() === '')) {
          counts.blank++;
          continue;
        }
        if (cells.length > counts.maxCells) counts.maxCells = cells.length;
        const { record, errors, warnings: rowWarnings } = normalise(cells, rowNumber);
        for (const warning of rowWarnings) warnings.add(warning);
        let line: SpoolLine;
        if (record === null) {
          counts.invalid++;
          line = [0, rowNumber, cells, errors];
        } else {
          line = [1, rowNumber, cells, toValues(record)];
          dedupe.offer(record.org_id, record.submitted_at, counts.spooled, rowNumber);
        }
        counts.spooled++;
        text += `${JSON.stringify(line)}\n`;
      }
      if (text && !spool.write(text)) await once(spool, 'drain');
      options.onProgress?.({ bytes: -1, rows: counts.rows });
    }
  } finally {
    spool.end();
    await once(spool, 'close');
  }
  if (counts.rows === 0) {
    throw new IngestError('ingest: the file has a header but no data rows; nothing was ingested');
  }
  const source = await reader.done();
  return { header, reader, source, counts, warnings, dedupe };
}

/** The canonical values of a record in Parquet column order. */
function toValues(record: CanonicalRecord): ParquetValue[] {
  const values: ParquetValue[] = new Array(COLUMNS.length);
  const fields = record as unknown as Record<string, ParquetValue>;
  for (let i = 0; i < COLUMNS.length; i++) values[i] = fields[COLUMNS[i]!.name] ?? null;
  return values;
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
  const spoolPath = join(temp, 'spool.jsonl');
  const reportKey = `${reportsPrefix(survey.id, options.wave)}report.json`;
  const rejectedKey = `${reportsPrefix(survey.id, options.wave)}rejected.csv`;
  try {
    const { header, reader, source, counts, warnings, dedupe } = await readIntoSpool(options, spoolPath, ingestedAt);

    const live = await readWavePointer(options.storage, survey.id, options.wave);
    if (live && live.sourceSha256 === source.sha256) {
      const text = await options.storage.getText(reportKey);
      const previous = text ? ReportSchema.parse(JSON.parse(text)) : undefined;
      if (previous) {
        return { report: { ...previous, unchanged: true }, unchanged: true, pointer: live, reportKey, rejectedKey };
      }
    }

    // Pass two: spool → curated Parquet (kept rows) and rejected.csv (errors and lost duplicates), in row order.
    const version = versionName(now);
    const parquetKey = `${curatedWavePrefix(survey.id, options.wave)}${version}/part-00000.parquet`;
    const parquetStream = new PassThrough({ highWaterMark: 1 << 20 });
    const parquetUpload = options.storage.put(parquetKey, parquetStream, {
      contentType: 'application/vnd.apache.parquet',
    });
    const writer = new ParquetWriter(COLUMNS, async (chunk) => {
      if (!parquetStream.write(chunk)) await once(parquetStream, 'drain');
    });
    // rejected.csv is staged locally and put only after the commit, so the lake never pairs a new
    // rejected.csv with an old wave.
    const rejectedPath = join(temp, 'rejected.csv');
    const rejectedStream = createWriteStream(rejectedPath, { highWaterMark: 1 << 20 });
    const extra = Array.from({ length: counts.maxCells - reader.header.length }, (_, i) => `_extra_${i + 1}`);
    rejectedStream.write(`\ufeff${csvLine([...reader.header, ...extra, '_row', '_errors'])}`);

    const errors = new IssueList(options.maxListedIssues ?? 1000);
    let valid = 0;
    let rejected = 0;
    let index = 0;
    let rows: ParquetValue[][] = [];
    let rejectedText = '';
    const lines = createInterface({
      input: createReadStream(spoolPath, { highWaterMark: 1 << 20 }),
      crlfDelay: Infinity,
    });
    for await (const text of lines) {
      const line = JSON.parse(text) as SpoolLine;
      const spoolIndex = index++;
      let rowErrors: RowIssue[];
      if (line[0] === 1 && !dedupe.isLoser(spoolIndex)) {
        valid++;
        rows.push(line[3]);
        if (rows.length >= 4096) {
          await writer.appendRows(rows);
          rows = [];
        }
        continue;
      }
      if (line[0] === 1) {
        const org = String(line[3][ORG_ID_INDEX]);
        const kept = dedupe.keptRowOf(org);
        rowErrors = [
          {
            type: 'duplicate-row',
            rowNumber: line[1],
            fieldName: 'org_id',
            cell: org,
            message: `ingest: row ${line[1]} is a duplicate submission of organisation ${org}; row ${kept} is kept (latest submitted_at, then the later row)`,
          },
        ];
      } else {
        rowErrors = line[3];
      }
      rejected++;
      for (const error of rowErrors) errors.add(error);
      const cells = [...line[2]];
      while (cells.length < counts.maxCells) cells.push('');
      rejectedText += csvLine([...cells, String(line[1]), rowErrors.map((error) => error.message).join(' | ')]);
      if (rejectedText.length > 1 << 16) {
        if (!rejectedStream.write(rejectedText)) await once(rejectedStream, 'drain');
        rejectedText = '';
      }
    }
    if (rows.length) await writer.appendRows(rows);
    await writer.close();
    parquetStream.end();
    rejectedStream.end(rejectedText);
    await Promise.all([parquetUpload, once(rejectedStream, 'close')]);

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
    if (source.decodeErrors > 0) {
      warnings.add({
        type: 'encoding-error',
        rowNumber: null,
        message: `ingest: ${source.decodeErrors} byte sequence(s) were not valid ${source.encoding} and were read as U+FFFD`,
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
    await options.storage.put(rejectedKey, createReadStream(rejectedPath), { contentType: 'text/csv; charset=utf-8' });
    await options.storage.put(reportKey, `${JSON.stringify(report, null, 2)}\n`, { contentType: 'application/json' });
    return { report, unchanged: false, pointer, reportKey, rejectedKey };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
