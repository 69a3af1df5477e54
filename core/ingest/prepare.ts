// The work of an ingest before its commit, top to bottom:
//   1. read the file (read-csv.ts): hash, detect encoding and delimiter, records, cells;
//   2. match the header (headers.ts) and judge every record (normalise.ts): blank, rejected or valid;
//   3. rejected rows go to rejected.csv at once; valid rows wait on disk (curated.ts);
//   4. DuckDB applies the duplicate rule and writes the curated Parquet; the losers join rejected.csv;
//   5. the version's Parquet, rejected.csv and report.json are written to the lake, not yet committed.
// Whole-file problems throw (IngestError, CsvError, HeaderError) before anything is written to the lake.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type Report, ReportSchema, type SurveyDefinition } from '../../schemas/index.ts';
import { versionKeys, type WavePointer } from '../lake.ts';
import { readRejectedSample } from '../pages/rejected-sample.ts';
import { renderReportPage } from '../pages/report-page.ts';
import type { Storage } from '../storage/storage.ts';
import { makeWorkDir } from '../work-files.ts';
import { ValidRows } from './curated.ts';
import { matchHeaders } from './headers.ts';
import { capText, type RowIssue } from './issues.ts';
import { createNormaliser } from './normalise.ts';
import { orgKeyId } from './org-id.ts';
import { openCsv, parseRecordText } from './read-csv.ts';
import { csvLine } from './rejected-csv.ts';
import { closed, drained, guarded } from './streams.ts';

/** Progress of an ingest, for a progress bar. */
export interface IngestProgress {
  readonly bytes: number;
  readonly rows: number;
}

/** What the work before a commit needs: plain, typed arguments. */
export interface PrepareOptions {
  readonly storage: Storage;
  /** The raw file as a byte stream. */
  readonly input: Readable;
  readonly survey: SurveyDefinition;
  readonly wave: number;
  /** The uploaded object's key or the file name: recorded in source_file and the report. */
  readonly sourceFile: string;
  /** The secret key of the org_id HMAC. */
  readonly orgKey: string;
  /** The live version, if any: a file byte-identical to its source is not written again. */
  readonly live?: WavePointer;
  /** The ingest time, recorded as ingested_at. */
  readonly now: Date;
  /** How many errors and how many warnings the report lists before it says the list was capped. Default 1000. */
  readonly maxListedIssues?: number;
  /** Where the work files go (removed at the end). Default: the OS temp directory. */
  readonly tempDir?: string;
  /** Called as bytes are read and rows are judged. */
  readonly onProgress?: (progress: IngestProgress) => void;
  /** Stops the work (between batches of rows, and before anything is written to the lake). */
  readonly signal?: AbortSignal;
  /** Also writes the report as a page (report.html) beside report.json. */
  readonly page?: boolean;
}

/** A new version, written but not committed; or the news that the file is the live version's source. */
export type Prepared =
  | { readonly unchanged: false; readonly pointer: WavePointer; readonly report: Report }
  | { readonly unchanged: true; readonly source: { readonly bytes: number; readonly sha256: string } };

/** A whole-file problem: nothing was written to the lake. */
export class IngestError extends Error {
  /** Creates a one-line ingest error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IngestError';
  }
}

/** Keeps the first `cap` issues and counts them all. */
class IssueList {
  readonly listed: RowIssue[] = [];
  total = 0;
  constructor(private readonly cap: number) {}
  add(issue: RowIssue): void {
    this.total++;
    if (this.listed.length < this.cap) {
      this.listed.push(issue.cell === undefined ? issue : { ...issue, cell: capText(issue.cell) });
    }
  }
}

/** rejected.csv as it is written: the header's columns, then `_row` and `_errors`. */
class RejectedRows {
  private readonly stream: WriteStream;
  constructor(
    path: string,
    private readonly header: readonly string[],
  ) {
    this.stream = guarded(createWriteStream(path));
    // A byte-order mark, so that spreadsheets open it as UTF-8.
    this.stream.write(`\ufeff${csvLine([...header, '_row', '_errors'])}`);
  }

  /** One rejected row: its original cells (padded to the header), its row number and its errors. */
  add(cells: readonly string[], rowNumber: number, errors: readonly RowIssue[]): Promise<unknown> | undefined {
    const width = this.header.length;
    const original = cells.slice(0, width);
    while (original.length < width) original.push('');
    let messages = errors.map((error) => error.message).join(' | ');
    if (cells.length > width) messages += ` | extra cells: ${JSON.stringify(cells.slice(width))}`;
    return this.stream.write(csvLine([...original, String(rowNumber), messages])) ? undefined : drained(this.stream);
  }

  async close(): Promise<void> {
    await closed(this.stream);
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** Whether every cell of a row is empty or white space. */
function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
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
 * Reads and judges every row of a wave's file and writes a new version of the wave (its Parquet, report.json and
 * rejected.csv) to the lake, without committing it; or finds that the file is the live version's source and
 * writes nothing. Whole-file problems (unreadable file, missing or doubled columns, no data rows) throw before
 * anything is written to the lake.
 */
export async function prepareVersion(options: PrepareOptions): Promise<Prepared> {
  const { survey, now } = options;
  const started = performance.now();
  const temp = await makeWorkDir(options.tempDir ?? tmpdir(), 'survey-ingest-');
  let valid: ValidRows | undefined;
  let rejected: RejectedRows | undefined;
  try {
    // 1-3. Every record, judged once.
    let bytesRead = 0;
    const csv = await openCsv(options.input, { onBytes: (bytes) => (bytesRead = bytes) });
    const header = matchHeaders(csv.header, survey);
    const normalise = createNormaliser({
      survey,
      wave: options.wave,
      header,
      headerLength: csv.header.length,
      orgKey: options.orgKey,
      sourceFile: options.sourceFile,
      ingestedAt: now.getTime(),
    });
    const maxListed = options.maxListedIssues ?? 1000;
    const errors = new IssueList(maxListed);
    const warnings = new IssueList(maxListed);
    valid = new ValidRows(temp);
    rejected = new RejectedRows(join(temp, 'rejected.csv'), csv.header);
    const counts = { rows: 0, blank: 0, invalid: 0 };
    for await (const batch of csv.records()) {
      options.signal?.throwIfAborted();
      for (const record of batch) {
        counts.rows++;
        if (record.quoteError !== undefined) {
          const issue: RowIssue = {
            type: 'quote-error',
            rowNumber: record.rowNumber,
            cell: record.text,
            message: `ingest: line ${record.line} has malformed quoting: ${record.quoteError}; the line is rejected as written and reading resumes on the next line (row ${record.rowNumber})`,
          };
          counts.invalid++;
          errors.add(issue);
          await rejected.add(record.cells, record.rowNumber, [issue]);
          continue;
        }
        if (isBlankRow(record.cells)) {
          counts.blank++;
          continue;
        }
        const row = normalise(record.cells, record.rowNumber);
        for (const warning of row.warnings) warnings.add(warning);
        if (row.record === null) {
          counts.invalid++;
          for (const error of row.errors) errors.add(error);
          const busy = rejected.add(record.cells, record.rowNumber, row.errors);
          if (busy) await busy;
          continue;
        }
        const busy = valid.add(row.record, record.text);
        if (busy) await busy;
      }
      options.onProgress?.({ bytes: bytesRead, rows: counts.rows });
    }
    if (counts.rows === 0)
      throw new IngestError('ingest: the file has a header but no data rows; nothing was ingested');
    await valid.close();
    const source = csv.summary();

    // A byte-identical file under the same org_id key changes nothing (under another key its org_ids differ).
    if (options.live?.sourceSha256 === source.sha256 && options.live.keyId === orgKeyId(options.orgKey)) {
      await rejected.close();
      return { unchanged: true, source };
    }

    // 4. The duplicate rule and the curated Parquet.
    const version = versionName(now);
    const keys = versionKeys(survey.id, options.wave, version);
    const parquetPath = join(temp, 'part-00000.parquet');
    const rejectedRows = rejected;
    const kept = await valid.writeParquet(parquetPath, async (loser) => {
      const issue: RowIssue = {
        type: 'duplicate-row',
        rowNumber: loser.rowNumber,
        fieldName: 'org_id',
        cell: loser.orgId,
        message: `ingest: row ${loser.rowNumber} is a duplicate submission of organisation ${loser.orgId}; row ${loser.keptRow} is kept (latest submitted_at, then the later row)`,
      };
      errors.add(issue);
      await rejectedRows.add(parseRecordText(loser.text, csv.delimiter, csv.lineBreak), loser.rowNumber, [issue]);
    });
    await rejected.close();
    const duplicates = valid.count - kept;

    if (source.decodeErrors > 0) {
      warnings.add({
        type: 'encoding-error',
        rowNumber: null,
        message: `ingest: ${source.decodeErrors} invalid ${csv.encoding} byte sequence(s) were read as the replacement character U+FFFD`,
      });
    }
    errors.listed.sort((a, b) => (a.rowNumber ?? 0) - (b.rowNumber ?? 0));
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
    const rejectedCount = counts.invalid + duplicates;
    const report: Report = ReportSchema.parse({
      valid: rejectedCount === 0,
      survey: survey.id,
      wave: options.wave,
      source: {
        file: options.sourceFile,
        bytes: source.bytes,
        sha256: source.sha256,
        encoding: csv.encoding,
        delimiter: csv.delimiter,
      },
      stats: {
        rows: counts.rows,
        valid: kept,
        rejected: rejectedCount,
        blank: counts.blank,
        errors: errors.total,
        warnings: warnings.total,
        seconds: Math.round(performance.now() - started) / 1000,
      },
      header: { matched: header.matched, unknown: header.unknown, dropped: header.dropped },
      errors: errors.listed,
      warnings: warnings.listed,
    });

    // 5. The version's files, not yet committed.
    options.signal?.throwIfAborted();
    await options.storage.put(keys.parquet, createReadStream(parquetPath), {
      contentType: 'application/vnd.apache.parquet',
    });
    await options.storage.put(keys.rejected, createReadStream(join(temp, 'rejected.csv')), {
      contentType: 'text/csv; charset=utf-8',
    });
    await options.storage.put(keys.report, `${JSON.stringify(report, null, 2)}\n`, { contentType: 'application/json' });
    if (options.page) {
      const rejectedSample = await readRejectedSample(createReadStream(join(temp, 'rejected.csv')), {
        hide: report.header.dropped,
      });
      const html = await renderReportPage(report, { rejectedSample, rejectedLocation: keys.rejected });
      await options.storage.put(keys.page, html, { contentType: 'text/html; charset=utf-8' });
    }
    const pointer: WavePointer = {
      survey: survey.id,
      wave: options.wave,
      version,
      files: [keys.parquet],
      report: keys.report,
      rejected: keys.rejected,
      ...(options.page ? { page: keys.page } : {}),
      ...(options.live ? { replaced: options.live.version } : {}),
      sourceSha256: source.sha256,
      sourceFile: options.sourceFile,
      keyId: orgKeyId(options.orgKey),
      rows: kept,
      committedAt: now.toISOString(),
    };
    return { unchanged: false, pointer, report };
  } finally {
    valid?.destroy();
    rejected?.destroy();
    await rm(temp, { recursive: true, force: true });
  }
}
