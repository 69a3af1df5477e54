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

/** A whole-file problem (empty, binary, unreadable): the only thing the reader throws for (STYLE.md 7). */
export class CsvError extends Error {
  override readonly name = 'CsvError';
}

/** One CSV record: header = row 1, first data record = 2; a quoted field may span lines, so rows are records. */
export interface CsvRecord {
  /** The record's number as reports give it: header = 1, first data record = 2. */
  readonly rowNumber: number;
  /** The cells as parsed, unquoted; as many as the record has (ragged rows keep their count). */
  readonly cells: string[];
  /**
   * The record's own text, without its line break, when its cells were checked to map back onto it exactly:
   * parseRecordText gives the cells back from it. Undefined for a record that could not be checked that way
   * (malformed quoting near it, white space around a quoted cell).
   */
  readonly text: string | undefined;
  /**
   * Where the record's text lies in the file: bytes [offset, offset + byteLength), which decode (in the file's
   * encoding) to `text`. -1 when not known: the record has no text, or one before it had none.
   */
  readonly offset: number;
  readonly byteLength: number;
}

/** What was read: recorded in the ingest report's "source" and used for idempotent re-ingest. */
export interface CsvSource {
  /** The detected encoding. */
  encoding: CsvEncoding;
  /** The detected delimiter. */
  delimiter: CsvDelimiter;
  /** Raw bytes read. */
  bytes: number;
  /** Hex SHA-256 of all raw bytes. */
  sha256: string;
  /** Characters that could not be decoded and were replaced by U+FFFD. */
  decodeErrors: number;
  /** Malformed-quote problems papaparse reported; the affected records are kept as parsed. Always set by openCsv. */
  parseErrors?: number;
}

/** A CSV file being streamed: header known up front, data records in batches, source facts at the end. */
export interface CsvReader {
  /** The detected encoding. */
  readonly encoding: CsvSource['encoding'];
  /** The detected delimiter. */
  readonly delimiter: CsvSource['delimiter'];
  /** The detected (or given) line break that ends a record. */
  readonly lineBreak: CsvLineBreak;
  /** The first record's cells, BOM stripped. */
  readonly header: string[];
  /** The data records in order, in batches; can be iterated once. */
  batches(): AsyncIterable<CsvRecord[]>;
  /**
   * Stops hashing the bytes read, for a caller that has the file hashed another way (each part of a two-thread
   * ingest: a thread of its own hashes the whole file): source.sha256 is then ''.
   */
  stopHashing(): void;
  /** Bytes, SHA-256 and error counts; resolves once batches() is exhausted. */
  done(): Promise<CsvSource>;
}

/** Options of openCsv. */
export interface OpenCsvOptions {
  /** Called with the running count of raw bytes read, for a progress bar. */
  onBytes?: (bytesSoFar: number) => void;
  /** Bytes examined to detect encoding, binary content and delimiter. @default 65536 */
  sniffBytes?: number;
  /** The encoding, when already known (a later part of a file whose start was sniffed): not detected then. */
  encoding?: CsvEncoding;
  /** The delimiter, when already known: not detected then. */
  delimiter?: CsvDelimiter;
  /** The line break, when already known: not detected then. */
  lineBreak?: CsvLineBreak;
  /** The row number of the first data record (a later part of a file starts further on). @default 2 */
  firstRowNumber?: number;
  /**
   * For a later part of a file read after the file's header: the stream's bytes from `from` on are the file's from
   * `to` on, so that CsvRecord.offset is a file offset. Default: the stream is the file from its start.
   */
  shift?: { readonly from: number; readonly to: number };
  /**
   * Whether to locate each record in the bytes (CsvRecord.offset): worth it only when the source is a file that
   * can be read again. Without it every offset is -1. @default true
   */
  locate?: boolean;
}

const DEFAULT_SNIFF_BYTES = 64 * 1024;
/** Records per batch the reader aims for: large enough that per-batch costs vanish, small enough to stay in cache. */
const BATCH_RECORDS = 250;
const REPLACEMENT = '\uFFFD';
const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);

/** Chunks of raw bytes to text, counting replacement characters the decoder had to produce. */
interface Decoder {
  write(chunk: Buffer): string;
  end(): string;
  readonly errors: number;
}

function countChar(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

function countBytes(buf: Buffer, seq: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(seq); i !== -1; i = buf.indexOf(seq, i + 1)) n++;
  return n;
}

/**
 * UTF-8 with U+FFFD replacement. TextDecoder does not count replacements, so the
 * count is U+FFFD produced minus U+FFFD genuinely encoded in the file (EF BF BD).
 */
function utf8Decoder(): Decoder {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  let produced = 0;
  let genuine = 0;
  let tail: Buffer = Buffer.alloc(0);
  const count = (text: string): string => {
    if (text.indexOf(REPLACEMENT) !== -1) produced += countChar(text, REPLACEMENT);
    return text;
  };
  return {
    write(chunk) {
      if (chunk.indexOf(0xef) !== -1 || tail.length > 0) {
        genuine += countBytes(chunk, REPLACEMENT_UTF8);
        // An EF BF BD split across two chunks.
        const seam = Buffer.concat([tail, chunk.subarray(0, 2)]);
        for (let i = 0; i < tail.length; i++) {
          if (seam[i] === 0xef && seam[i + 1] === 0xbf && seam[i + 2] === 0xbd) genuine++;
        }
      }
      const last = chunk.subarray(-2);
      tail = last.indexOf(0xef) !== -1 ? Buffer.from(last) : Buffer.alloc(0);
      return count(decoder.decode(chunk, { stream: true }));
    },
    end() {
      return count(decoder.decode());
    },
    get errors() {
      return Math.max(0, produced - genuine);
    },
  };
}

/** Windows-1252 through iconv-lite (Node's own TextDecoder mangles 0x80–0x9F); its five unassigned bytes become U+FFFD. */
function cp1252Decoder(): Decoder {
  const decoder = iconv.getDecoder('windows1252');
  let produced = 0;
  const count = (text: string): string => {
    if (text.indexOf(REPLACEMENT) !== -1) produced += countChar(text, REPLACEMENT);
    return text;
  };
  return {
    write: (chunk) => count(decoder.write(chunk)),
    end: () => count(decoder.end() ?? ''),
    get errors() {
      return produced;
    },
  };
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * The text of each record of `rows`, which papaparse parsed from `input` (starting at the first record's start),
 * as long as every cell maps back onto it: an unquoted cell is its own text, a quoted one its text with quotes
 * doubled between two quotes, and a delimiter (or, after the last cell, the line break) follows each. Stops at
 * the first record that does not map, so texts[i] is undefined from there on. A cell costs a length and a
 * character test: much less than copying the cells.
 */
function recordTexts(input: string, rows: readonly string[][], delimiter: number, lineBreak: CsvLineBreak): string[] {
  const texts: string[] = [];
  let p = 0;
  for (const cells of rows) {
    const start = p;
    const last = cells.length - 1;
    for (let j = 0; ; j++) {
      const cell = cells[j] as string;
      if (input.charCodeAt(p) === QUOTE) {
        let quotes = 0;
        for (let k = cell.indexOf('"'); k !== -1; k = cell.indexOf('"', k + 1)) quotes++;
        p += cell.length + quotes + 2;
        if (input.charCodeAt(p - 1) !== QUOTE) return texts;
      } else {
        p += cell.length;
      }
      if (j >= last) break;
      if (input.charCodeAt(p) !== delimiter) return texts;
      p++;
    }
    const end = p;
    if (p === input.length) {
      // The file's last record, without a final line break.
      texts.push(input.substring(start, end));
      return texts;
    }
    if (input.startsWith(lineBreak, p)) p += lineBreak.length;
    // Read as LF, a CRLF file's last unquoted cell lost its '\r' (RecordParser.parse): the record ends before it.
    else if (lineBreak === '\n' && input.charCodeAt(p) === CR && input.charCodeAt(p + 1) === LF) p += 2;
    else return texts;
    texts.push(input.substring(start, end));
  }
  return texts;
}

/**
 * Where each record lies in the raw bytes. A record ends at a line break outside quotes, and its text holds
 * exactly the line breaks it spans inside quotes, as the same bytes (UTF-8 and Windows-1252 both write a line
 * break as its one ASCII byte): so counting them in the text tells how many line-break bytes to pass. One native
 * search a record, no copy. The raw chunks are kept only until passed. At the first record without a text the
 * count is lost, and no later record is located.
 */
class RecordLocator {
  private readonly chunks: Buffer[] = [];
  /** The stream offset of chunks[0][0]. */
  private base = 0;
  /** The stream offset where the next record starts. */
  private at: number;
  private lost = false;
  /** The byte length of the record last located. */
  byteLength = 0;

  constructor(
    start: number,
    private readonly lineBreak: CsvLineBreak,
    private readonly shift: { readonly from: number; readonly to: number } | undefined,
  ) {
    this.at = start;
  }

  /** Keeps a chunk read from the stream (in order). */
  add(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  /** The stream offset of the first line-break byte at or after `from`, or -1 if none is held. */
  private find(from: number): number {
    const byte = this.lineBreak === '\n' ? LF : CR;
    let base = this.base;
    for (const chunk of this.chunks) {
      const end = base + chunk.length;
      if (from < end) {
        const i = chunk.indexOf(byte, from > base ? from - base : 0);
        if (i !== -1) return base + i;
      }
      base = end;
    }
    return -1;
  }

  /** The byte at stream offset `at` (held), or -1. */
  private byteAt(at: number): number {
    let base = this.base;
    for (const chunk of this.chunks) {
      if (at < base + chunk.length) return at >= base ? (chunk[at - base] as number) : -1;
      base += chunk.length;
    }
    return -1;
  }

  /**
   * The file offset of the next record, whose text is `text` (its length in bytes is then `byteLength`), or -1
   * when it cannot be known. `atEnd`: the whole stream has been read, so a record may end without a line break.
   */
  next(text: string | undefined, atEnd: boolean): number {
    if (this.lost) return -1;
    if (text === undefined) {
      this.lost = true;
      return -1;
    }
    let inside = 0;
    for (let i = text.indexOf(this.lineBreak); i !== -1; i = text.indexOf(this.lineBreak, i + 1)) inside++;
    const start = this.at;
    let lineEnd = start - 1;
    for (let k = 0; k <= inside; k++) {
      lineEnd = this.find(lineEnd + 1);
      if (lineEnd === -1) break;
    }
    let end: number;
    if (lineEnd === -1) {
      // The file's last record, with no line break after it.
      if (!atEnd) {
        this.lost = true;
        return -1;
      }
      let held = this.base;
      for (const chunk of this.chunks) held += chunk.length;
      end = held;
      this.at = held;
    } else {
      // Read as LF, a CRLF file's record text stops before the carriage return.
      end = this.lineBreak === '\n' && lineEnd > start && this.byteAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
      this.at = lineEnd + 1;
    }
    this.byteLength = end - start;
    while (this.chunks.length > 1 && this.base + (this.chunks[0] as Buffer).length <= this.at) {
      this.base += (this.chunks.shift() as Buffer).length;
    }
    const shift = this.shift;
    return shift === undefined || start < shift.from ? start : start - shift.from + shift.to;
  }
}

/** Records as papaparse gave them, with the text of those that could be checked (see recordTexts). */
interface Parsed {
  readonly rows: string[][];
  /** texts[i] is rows[i]'s text; shorter than rows when some could not be checked. */
  readonly texts: string[];
}

/** Characters papaparse is given at a time; a record longer than this gets all the pending text as its window. */
const WINDOW_CHARS = 16 * 1024;
/** Raw bytes decoded at a time: their text (at most 64 KB) is an ordinary young heap string. */
const DECODE_BYTES = 32 * 1024;
/** A pending record longer than this is parsed again only once the pending text has doubled (see reparseAt). */
const LONG_RECORD_CHARS = 64 * 1024;

/**
 * Incremental papaparse, a window of text at a time: each call parses the unfinished record carried
 * from the previous window plus the next window, and carries what is left. Small windows keep few
 * records alive at once, so they die young instead of being copied by the garbage collector. Joining
 * the carry also copies the window, so cells keep a small string alive, not all the decoded text.
 * A record is complete only once papaparse has seen its end, so where windows and chunks are cut
 * does not change the records.
 */
class RecordParser {
  private readonly parser: Papa.Parser;
  /** The unfinished record carried from the previous window; it comes before `text`. */
  private head = '';
  /** Decoded text; its part not yet parsed starts at `pos`. */
  private text = '';
  private pos = 0;
  /** Parse again only once the pending text has grown this long, so one huge field is not rescanned per chunk. */
  private reparseAt = 0;
  /** Set once papaparse has seen all that is pending: what it left is an unfinished record, so wait for more text. */
  private starved = false;
  parseErrors = 0;

  private readonly delimiterCode: number;

  constructor(
    delimiter: CsvDelimiter,
    private readonly lineBreak: CsvLineBreak,
  ) {
    this.parser = new Papa.Parser({ delimiter, newline: lineBreak, quoteChar: '"', dynamicTyping: false });
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Records papaparse completes in `input`, and where the unparsed rest starts; with `last`, the rest is a record too. */
  private parse(input: string, last: boolean): Parsed & { cursor: number } {
    const result = this.parser.parse(input, 0, !last) as Papa.ParseResult<string[]>;
    const rows = result.data;
    let faults = 0;
    for (const error of result.errors) if (error.row === undefined || error.row < rows.length) faults++;
    this.parseErrors += faults;
    if (this.lineBreak === '\n') {
      // LF parsing of a CRLF file leaves '\r' at the end of the last unquoted cell.
      for (const row of rows) {
        const lastIndex = row.length - 1;
        const cell = row[lastIndex]!;
        if (cell.charCodeAt(cell.length - 1) === 0x0d) row[lastIndex] = cell.slice(0, -1);
      }
    }
    // Where papaparse had to guess (malformed quotes), no record's text is trusted.
    const texts = faults === 0 ? recordTexts(input, rows, this.delimiterCode, this.lineBreak) : [];
    return { rows, texts, cursor: result.meta.cursor };
  }

  /** Appends decoded text after what is pending. */
  push(more: string): void {
    if (more.length === 0) return;
    if (this.pos < this.text.length) this.head += this.text.substring(this.pos);
    this.text = more;
    this.pos = 0;
    this.starved = false;
  }

  /** The next complete records (at least one), or undefined when the pending text holds no complete record yet. */
  next(): Parsed | undefined {
    const headLength = this.head.length;
    const available = headLength + this.text.length - this.pos;
    if (this.starved || available === 0 || available < this.reparseAt) return undefined;
    // A record longer than the window: all the pending text is the next window, so at most one
    // window is parsed twice per long record.
    const first = Math.min(this.text.length, this.pos + Math.max(WINDOW_CHARS, this.reparseAt));
    for (let end = first; ; end = this.text.length) {
      const input = this.head + this.text.substring(this.pos, end);
      const parsed = this.parse(input, false);
      const { rows, cursor } = parsed;
      if (rows.length > 0 || end === this.text.length) {
        this.head = input.substring(cursor);
        this.pos = end;
        // Papaparse saw the end of what is pending: the head is one unfinished record. Amortise a long
        // one by waiting until the pending text has doubled before trying again.
        this.starved = end === this.text.length;
        this.reparseAt = this.starved && this.head.length > LONG_RECORD_CHARS ? this.head.length * 2 : 0;
        if (this.starved) {
          this.text = '';
          this.pos = 0;
        }
        return rows.length > 0 ? parsed : undefined;
      }
    }
  }

  /** Every record left once `rest` (the decoder's last characters) is appended. */
  finish(rest: string): Parsed[] {
    this.push(rest);
    this.reparseAt = 0;
    this.starved = false;
    const parsed: Parsed[] = [];
    for (let more = this.next(); more !== undefined; more = this.next()) parsed.push(more);
    // What follows the last line break is the last record; papaparse's trailing empty record
    // after a final line break is never produced, as nothing is left then.
    const left = this.head + this.text.substring(this.pos);
    if (left.length > 0) parsed.push(this.parse(left, true));
    this.head = '';
    this.text = '';
    this.pos = 0;
    return parsed;
  }
}

/**
 * The cells of a record's text (CsvRecord.text), as the reader gave them. A record has a text only when its cells
 * were checked to map onto it exactly (recordTexts): an unquoted cell is its own text up to the delimiter, a
 * quoted one sits between quotes with its quotes doubled. This reads that mapping back; it is not a CSV parser
 * for anything else, and throws on text that does not follow it.
 */
export function parseRecordText(text: string, delimiter: CsvDelimiter): string[] {
  const cells: string[] = [];
  const separator = delimiter.charCodeAt(0);
  let p = 0;
  for (;;) {
    if (text.charCodeAt(p) === QUOTE) {
      let cell = '';
      let from = p + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) throw new Error(`ingest: a record's text has an unclosed quote: ${JSON.stringify(text)}`);
        if (text.charCodeAt(quote + 1) === QUOTE) {
          cell += text.slice(from, quote + 1);
          from = quote + 2;
          continue;
        }
        cells.push(cell + text.slice(from, quote));
        p = quote + 1;
        break;
      }
    } else {
      const next = text.indexOf(delimiter, p);
      const end = next === -1 ? text.length : next;
      cells.push(text.slice(p, end));
      p = end;
    }
    if (p >= text.length) return cells;
    if (text.charCodeAt(p) !== separator) {
      throw new Error(`ingest: a record's text has a quoted cell not followed by a delimiter: ${JSON.stringify(text)}`);
    }
    p++;
  }
}

function csvError(message: string, cause?: unknown): CsvError {
  return new CsvError(`ingest: ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * Opens a CSV stream: sniffs encoding, delimiter and binary content, reads the header,
 * then streams data records on demand (the source is read only as fast as batches are consumed).
 * Throws CsvError for a file that is empty or not CSV text; errors of the stream itself (I/O) pass through unchanged.
 */
export async function openCsv(input: Readable, options: OpenCsvOptions = {}): Promise<CsvReader> {
  const sniffBytes = options.sniffBytes ?? DEFAULT_SNIFF_BYTES;
  const onBytes = options.onBytes;
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const hash = createHash('sha256');
  let hashing = true;
  let bytes = 0;
  let eof = false;

  const pull = async (): Promise<Buffer | undefined> => {
    const next = await chunks.next();
    if (next.done) {
      eof = true;
      return undefined;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    if (hashing) hash.update(chunk);
    locator?.add(chunk);
    bytes += chunk.length;
    onBytes?.(bytes);
    return chunk;
  };
  // Created once the sniff window has told the encoding and line break; the sniffed chunks are given it then.
  let locator: RecordLocator | undefined;
  const abandon = async (): Promise<void> => {
    if (!eof) await chunks.return?.();
  };

  // Sniff window.
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < sniffBytes) {
    const chunk = await pull();
    if (chunk === undefined) break;
    head.push(chunk);
    headLength += chunk.length;
  }
  const first = Buffer.concat(head, headLength);
  const sample = first.subarray(0, sniffBytes);
  if (bytes === 0) throw csvError('the file is empty');
  if (isUtf16(sample)) {
    await abandon();
    throw csvError('the file is UTF-16 encoded; expected UTF-8 or Windows-1252 text');
  }
  const binaryAt = findBinaryContent(sample);
  if (binaryAt !== undefined) {
    await abandon();
    throw csvError(`the file is not a CSV text file (binary content at byte ${binaryAt})`);
  }

  const encoding = options.encoding ?? detectEncoding(sample);
  const decoder = encoding === 'windows-1252' ? cp1252Decoder() : utf8Decoder();
  let flushed = false;
  /** The decoder's last characters (a cut multi-byte sequence becomes U+FFFD), once. */
  const flush = (): string => {
    if (flushed) return '';
    flushed = true;
    return decoder.end();
  };
  let ended = false;
  /** The parser's last records, once. */
  const finish = (): Parsed[] => {
    if (ended) return [];
    ended = true;
    return parser.finish(flush());
  };
  let text = decoder.write(first);
  if (eof) text += flush();
  if (eof && text.trim() === '') throw csvError('the file is empty');
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const lineBreak = options.lineBreak ?? detectLineBreak(text);
  const parser = new RecordParser(delimiter, lineBreak);
  // A UTF-8 byte-order mark comes before the header record's first byte.
  const bom = encoding === 'utf-8' && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
  if (options.locate !== false) {
    locator = new RecordLocator(bom, lineBreak, options.shift);
    for (const chunk of head) locator.add(chunk);
  }

  let raw: Buffer | undefined;
  let rawAt = 0;
  /**
   * Decodes the next piece of the current chunk into the parser, reading a chunk once the last is used
   * up; false at the end of the input. Small pieces decode to ordinary heap strings, where a large chunk
   * would decode to an external string that cells would keep alive outside the heap.
   */
  const feed = async (): Promise<boolean> => {
    if (raw === undefined || rawAt >= raw.length) {
      raw = eof ? undefined : await pull();
      rawAt = 0;
      if (raw === undefined) return false;
    }
    const piece = raw.subarray(rawAt, rawAt + DECODE_BYTES);
    rawAt += piece.length;
    parser.push(decoder.write(piece));
    return true;
  };

  // The header: parse until the first record is complete (it may be longer than the sniff window).
  parser.push(text);
  const next = parser.next();
  let opening = next === undefined ? [] : [next];
  while (opening.length === 0 && !ended) {
    if (await feed()) {
      const more = parser.next();
      if (more !== undefined) opening = [more];
    } else {
      opening = finish();
    }
  }
  const header = opening[0]?.rows[0] ?? [];
  // utf-8 sniffing may miss a BOM only if the file was not what it seemed; strip defensively.
  if (header[0]?.charCodeAt(0) === 0xfeff) header[0] = header[0].slice(1);

  let nextRowNumber = options.firstRowNumber ?? 2;
  const located = locator;
  const toRecords = ({ rows, texts }: Parsed, from: number, into: CsvRecord[]): void => {
    for (let i = from; i < rows.length; i++) {
      const text = texts[i];
      const offset = located === undefined ? -1 : located.next(text, eof);
      const byteLength = located === undefined ? 0 : located.byteLength;
      into.push({ rowNumber: nextRowNumber++, cells: rows[i]!, text, offset, byteLength });
    }
  };
  const early: CsvRecord[] = [];
  // The header record is not a data record, but it is located, so the records after it are.
  located?.next(opening[0]?.texts[0], eof);
  for (const [k, parsed] of opening.entries()) toRecords(parsed, k === 0 ? 1 : 0, early);

  let state: 'ready' | 'reading' | 'finished' | 'abandoned' = 'ready';
  let settle: { resolve: (source: CsvSource) => void; reject: (error: unknown) => void } | undefined;
  let pending: Promise<CsvSource> | undefined;
  let failure: unknown;
  const notAllRead = (): CsvError => csvError('the records were not all read before done() was awaited');
  const source = (): CsvSource => ({
    encoding,
    delimiter,
    bytes,
    sha256: hashing ? hash.digest('hex') : '',
    decodeErrors: decoder.errors,
    parseErrors: parser.parseErrors,
  });
  let finalSource: CsvSource | undefined;

  async function* batches(): AsyncGenerator<CsvRecord[]> {
    if (state !== 'ready') throw csvError('batches() can be iterated only once');
    state = 'reading';
    try {
      let batch = early;
      for (;;) {
        if (batch.length >= BATCH_RECORDS) {
          yield batch;
          batch = [];
        }
        // Parse what is pending before reading more, so the source is read only as fast as batches are consumed.
        const parsed = parser.next();
        if (parsed !== undefined) {
          toRecords(parsed, 0, batch);
          continue;
        }
        if (!(await feed())) break;
      }
      for (const parsed of finish()) toRecords(parsed, 0, batch);
      if (batch.length > 0) yield batch;
      finalSource = source();
      state = 'finished';
      settle?.resolve(finalSource);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (state !== 'finished') {
        state = 'abandoned';
        await abandon();
        settle?.reject(failure ?? notAllRead());
      }
    }
  }

  return {
    encoding,
    delimiter,
    lineBreak,
    header,
    batches: () => batches(),
    stopHashing() {
      hashing = false;
    },
    done(): Promise<CsvSource> {
      if (finalSource !== undefined) return Promise.resolve(finalSource);
      if (state === 'abandoned') return Promise.reject(failure ?? notAllRead());
      pending ??= new Promise((resolve, reject) => {
        settle = { resolve, reject };
      });
      return pending;
    },
  };
}
