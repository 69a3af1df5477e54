// Reading a survey export: bytes → SHA-256, encoding and delimiter detected → text → records → cells.
//
// Records are found line by line so that a bad quote cannot swallow the rest of the file (DESIGN.md "Every
// record is accounted for"): a quoted cell may span lines only if it closes properly; a quote that does not
// (`"abc"x`, or `"abc` left open) spoils the record on its own line alone, which comes out as a quote error,
// and reading resumes on the next line. The cells of well-formed records come from papaparse.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import {
  type CsvDelimiter,
  type CsvEncoding,
  type CsvLineBreak,
  detectDelimiter,
  detectEncoding,
  detectLineBreak,
  findBinaryContent,
  isUtf16,
} from './detect.ts';

/** A whole-file problem (empty, binary, unreadable header): the only thing the reader throws for (STYLE.md 7). */
export class CsvError extends Error {
  override readonly name = 'CsvError';
}

/** One record of the file. */
export interface CsvRecord {
  /** The record's number as reports give it: header = 1, first data record = 2. */
  readonly rowNumber: number;
  /** The physical line the record starts on (the header is line 1); a quoted cell may take it over more lines. */
  readonly line: number;
  /** The record's text as written, without its final line break. */
  readonly text: string;
  /** The cells, unquoted; as many as the record has. For a quote error, the line split at the delimiter as written. */
  readonly cells: string[];
  /** Set when the record's quoting is malformed: what is wrong, for the report. */
  readonly quoteError?: string;
}

/** What was read, once every record has been: for the report and for recognising a re-ingest. */
export interface CsvSummary {
  readonly bytes: number;
  readonly sha256: string;
  /** Byte sequences that were not valid in the encoding and became U+FFFD. */
  readonly decodeErrors: number;
}

/** A CSV file being read: its format and header up front, its data records in batches, its summary at the end. */
export interface CsvFile {
  readonly encoding: CsvEncoding;
  readonly delimiter: CsvDelimiter;
  readonly lineBreak: CsvLineBreak;
  /** The header record's cells. */
  readonly header: readonly string[];
  /** The data records, in file order, a batch at a time. */
  records(): AsyncGenerator<CsvRecord[]>;
  /** The byte count, hash and decoding errors: call after records() has ended. */
  summary(): CsvSummary;
}

/** Bytes read before the encoding and delimiter are judged. */
const SAMPLE_BYTES = 64 * 1024;
/** Records handed to papaparse at a time: few, so that a batch dies young rather than in the old generation. */
const BATCH_RECORDS = 100;
/**
 * How many lines a quoted cell may continue over after the one it starts on. An unclosed quote is only known at
 * the end of the file, so without a bound a stray quote near the top of a large file would hold the whole rest of
 * it in memory.
 */
export const MAX_QUOTED_LINES = 1000;

const QUOTE = 0x22;

/** Whether a record whose lines have been scanned so far is complete, needs more lines, or is malformed. */
type Scan = 'complete' | 'open' | 'malformed';

/**
 * Follows RFC 4180 quoting along one line of a record, from the state the previous line left (inside a quoted
 * cell or not), as papaparse reads it: a quote opens a quoted cell only as the cell's first character, a doubled
 * quote inside one is a quote, and a closing quote must be followed (after optional spaces) by the delimiter or
 * the end of the line.
 */
function scanLine(line: string, delimiter: string, insideQuotes: boolean): Scan {
  let i = 0;
  let quoted = insideQuotes;
  for (;;) {
    if (quoted) {
      const close = line.indexOf('"', i);
      if (close < 0) return 'open';
      if (line.charCodeAt(close + 1) === QUOTE) {
        i = close + 2;
        continue;
      }
      let after = close + 1;
      while (after < line.length && line[after] !== delimiter && (line[after] === ' ' || line[after] === '\t')) after++;
      if (after === line.length) return 'complete';
      if (line[after] !== delimiter) return 'malformed';
      i = after + 1;
      quoted = false;
    }
    // At the start of a cell.
    if (line.charCodeAt(i) === QUOTE) {
      quoted = true;
      i++;
      continue;
    }
    const next = line.indexOf(delimiter, i);
    if (next < 0) return 'complete';
    i = next + 1;
  }
}

/** The decoder of a detected encoding, counting the bytes it could not decode. */
function createDecoder(encoding: CsvEncoding): { write(bytes: Buffer): string; end(): string; errors(): number } {
  if (encoding === 'windows-1252') {
    // iconv-lite: Node's TextDecoder maps 0x80-0x9F by the WHATWG table, not Windows-1252's.
    const decoder = iconv.getDecoder('windows1252');
    let errors = 0;
    const count = (text: string) => {
      errors += countChar(text, '\ufffd');
      return text;
    };
    return {
      write: (bytes) => count(decoder.write(bytes)),
      end: () => count(decoder.end() ?? ''),
      errors: () => errors,
    };
  }
  // TextDecoder drops a leading byte-order mark. It does not count replacements, so the count is the U+FFFD it
  // produced minus those genuinely in the file (the bytes EF BF BD), looked for across chunk boundaries too.
  const decoder = new TextDecoder('utf-8');
  const encoded = Buffer.from('\ufffd');
  let produced = 0;
  let genuine = 0;
  let tail = Buffer.alloc(0);
  return {
    write(bytes) {
      const window = tail.length ? Buffer.concat([tail, bytes]) : bytes;
      for (let at = window.indexOf(encoded); at >= 0; at = window.indexOf(encoded, at + 3)) {
        if (at + 3 > tail.length) genuine++;
      }
      tail = Buffer.from(window.subarray(Math.max(0, window.length - 2)));
      const text = decoder.decode(bytes, { stream: true });
      produced += countChar(text, '\ufffd');
      return text;
    },
    end() {
      const text = decoder.decode();
      produced += countChar(text, '\ufffd');
      return text;
    },
    errors: () => Math.max(0, produced - genuine),
  };
}

function countChar(text: string, char: string): number {
  let count = 0;
  for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) count++;
  return count;
}

/** A physical line and the line break that ended it ('' for the last line of a file without a final break). */
interface Line {
  readonly text: string;
  readonly end: string;
}

/**
 * Opens a CSV byte stream: reads enough to detect the encoding and delimiter, then the header record. Throws
 * CsvError for an empty file, a binary or UTF-16 file, or a header record with malformed quoting.
 */
export async function openCsv(input: Readable, options: { onBytes?: (bytes: number) => void } = {}): Promise<CsvFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const nextChunk = async (): Promise<Buffer | undefined> => {
    const { value, done } = await chunks.next();
    if (done) return undefined;
    const chunk = typeof value === 'string' ? Buffer.from(value) : value;
    hash.update(chunk);
    bytes += chunk.length;
    options.onBytes?.(bytes);
    return chunk;
  };

  // The first bytes decide the encoding and the delimiter.
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < SAMPLE_BYTES) {
    const chunk = await nextChunk();
    if (chunk === undefined) break;
    head.push(chunk);
    headBytes += chunk.length;
  }
  const sample = Buffer.concat(head);
  if (sample.length === 0) throw new CsvError('ingest: the file is empty; expected a header row and data rows');
  if (isUtf16(sample))
    throw new CsvError('ingest: the file is UTF-16; expected UTF-8 or Windows-1252 (save as CSV UTF-8)');
  const binaryAt = findBinaryContent(sample);
  if (binaryAt !== undefined) {
    throw new CsvError(`ingest: the file is not a CSV text file (binary content at byte ${binaryAt})`);
  }
  const encoding = detectEncoding(sample);
  const decoder = createDecoder(encoding);
  const firstText = decoder.write(sample);
  const delimiter = detectDelimiter(firstText);
  const lineBreak = detectLineBreak(firstText);

  // Physical lines, from the text decoded so far and then chunk by chunk. A line is joined only once its
  // break arrives, so a very long line costs one copy, not one per chunk.
  let pendingText: string[] = [firstText];
  let streamEnded = false;
  const ready: Line[] = [];
  const splitPending = (final: boolean) => {
    const text = pendingText.join('');
    pendingText = [];
    let start = 0;
    for (let at = text.indexOf(lineBreak); at >= 0; at = text.indexOf(lineBreak, start)) {
      // In a file of CRLF line breaks, the CR belongs to the break.
      const cr = lineBreak === '\n' && at > start && text.charCodeAt(at - 1) === 0x0d;
      ready.push({ text: text.slice(start, cr ? at - 1 : at), end: cr ? '\r\n' : lineBreak });
      start = at + 1;
    }
    const rest = text.slice(start);
    if (final) {
      // A file of CRLF breaks cut after its last CR still ends that line.
      const cr = lineBreak === '\n' && rest.endsWith('\r');
      if (rest !== '') ready.push({ text: cr ? rest.slice(0, -1) : rest, end: cr ? '\r' : '' });
    } else if (rest !== '') pendingText.push(rest);
  };
  splitPending(false);
  const nextLine = async (): Promise<Line | undefined> => {
    while (ready.length === 0 && !streamEnded) {
      const chunk = await nextChunk();
      if (chunk === undefined) {
        streamEnded = true;
        pendingText.push(decoder.end());
        splitPending(true);
        break;
      }
      const text = decoder.write(chunk);
      pendingText.push(text);
      if (text.includes(lineBreak)) splitPending(false);
    }
    return ready.shift();
  };

  // Records, line by line. Lines taken for a record that turned out malformed are read again from `replay`.
  const replay: Line[] = [];
  let lineNumber = 0;
  const takeLine = async (): Promise<Line | undefined> => replay.shift() ?? (await nextLine());

  /** The next record's lines, or undefined at the end of the file. */
  const nextRecord = async (): Promise<{ line: number; text: string; quoteError?: string } | undefined> => {
    const first = await takeLine();
    if (first === undefined) return undefined;
    const line = ++lineNumber;
    let scan = scanLine(first.text, delimiter, false);
    if (scan === 'complete') return { line, text: first.text };
    const taken: Line[] = [first];
    let text = first.text;
    while (scan === 'open' && taken.length <= MAX_QUOTED_LINES) {
      const more = await takeLine();
      if (more === undefined) break;
      text += taken[taken.length - 1]!.end + more.text;
      taken.push(more);
      scan = scanLine(more.text, delimiter, true);
    }
    if (scan === 'complete') {
      lineNumber += taken.length - 1;
      return { line, text };
    }
    // Malformed, or never closed: only the first line is spoiled; the others are read again as lines of their own.
    replay.unshift(...taken.slice(1));
    const quoteError =
      scan === 'malformed'
        ? 'a quoted cell is not closed properly (its closing quote must be followed by the delimiter or the end of the line)'
        : taken.length > MAX_QUOTED_LINES
          ? `a quoted cell is still open after ${MAX_QUOTED_LINES} lines`
          : 'a quoted cell is never closed';
    return { line, text: first.text, quoteError };
  };

  const splitAsWritten = (text: string) => text.split(delimiter);
  const parseOne = (text: string): string[] | undefined => parseRecords([text], delimiter, lineBreak)?.[0];

  const headerRecord = await nextRecord();
  const header = headerRecord && !headerRecord.quoteError ? parseOne(headerRecord.text) : undefined;
  if (headerRecord === undefined || header === undefined) {
    throw new CsvError(
      headerRecord === undefined || headerRecord.text === ''
        ? 'ingest: the file has no header row (its first line is blank); expected a header row and data rows'
        : `ingest: the header row (line ${headerRecord.line}) has malformed quoting: ${headerRecord.quoteError ?? 'papaparse could not read it'}`,
    );
  }

  let rowNumber = 1;
  async function* records(): AsyncGenerator<CsvRecord[]> {
    for (;;) {
      const batch: { line: number; text: string; quoteError?: string; rowNumber: number }[] = [];
      while (batch.length < BATCH_RECORDS) {
        const record = await nextRecord();
        if (record === undefined) break;
        batch.push({ line: record.line, text: record.text, quoteError: record.quoteError, rowNumber: ++rowNumber });
      }
      if (batch.length === 0) return;
      // One papaparse call for the batch's well-formed records, joined by the file's line break (each record's
      // own breaks are inside quoted cells, so papaparse returns one row per record).
      const wellFormed = batch.filter((record) => record.quoteError === undefined && record.text !== '');
      const parsed = parseRecords(
        wellFormed.map((record) => record.text),
        delimiter,
        lineBreak,
      );
      let next = 0;
      yield batch.map((record): CsvRecord => {
        const { rowNumber, line, text, quoteError } = record;
        if (quoteError !== undefined) return { rowNumber, line, text, cells: splitAsWritten(text), quoteError };
        if (text === '') return { rowNumber, line, text, cells: [''] };
        const cells = parsed !== undefined ? parsed[next++] : parseOne(text);
        // papaparse disagreeing with the scan is a quoting problem the scan did not see: the line stands alone.
        return cells !== undefined
          ? { rowNumber, line, text, cells }
          : { rowNumber, line, text, cells: splitAsWritten(text), quoteError: 'papaparse could not read its quoting' };
      });
    }
  }

  let sha256: string | undefined;
  return {
    encoding,
    delimiter,
    lineBreak,
    header,
    records,
    summary: () => {
      sha256 ??= hash.digest('hex');
      return { bytes, sha256, decodeErrors: decoder.errors() };
    },
  };
}

/**
 * The cells of records' texts by papaparse, or undefined when papaparse does not read exactly one row per record
 * without complaint. Each record is followed by a line break, which papaparse needs to accept spaces after a
 * closing quote at the very end of its input; the empty row after the last break is dropped.
 */
function parseRecords(texts: readonly string[], delimiter: string, lineBreak: string): string[][] | undefined {
  if (texts.length === 0) return [];
  const result = Papa.parse<string[]>(`${texts.join(lineBreak)}${lineBreak}`, {
    delimiter,
    newline: lineBreak as CsvLineBreak,
    quoteChar: '"',
  });
  const rows = result.data;
  const last = rows[rows.length - 1];
  if (last !== undefined && last.length === 1 && last[0] === '') rows.pop();
  return result.errors.length === 0 && rows.length === texts.length ? rows : undefined;
}

/** The cells of one record's text, as the reader gave them (for rows read back for rejected.csv). */
export function parseRecordText(text: string, delimiter: CsvDelimiter, lineBreak: CsvLineBreak): string[] {
  if (text === '') return [''];
  return parseRecords([text], delimiter, lineBreak)?.[0] ?? text.split(delimiter);
}
