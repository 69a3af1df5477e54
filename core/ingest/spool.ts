// The spool between the ingest's two passes. The duplicate rule can reject a row only once a later row of its
// organisation has been read, so valid rows wait on disk until the end of the file. They wait in the Parquet
// writer's own typed form: blocks of rows, column by column (validity bytes, Int32/Float64 values, booleans as
// bytes, strings as UTF-8 with offsets, dictionary-encoded strings as codes with the values new in each block),
// so pass one writes no text per row and pass two hands typed arrays to ParquetWriter.appendColumns without
// making a JS value per cell. Each row's raw side rides along in the same block, because a row that later loses
// to a newer submission of its organisation goes to rejected.csv with its original cells: where its text lies in
// the source file, when that is a file pass two can read again (13 bytes); else the record's own text when the
// reader could give it (one copy); else the cells joined by U+001F (or JSON, when a cell holds that). They are
// read back only for the rows that lose.
import { type FileHandle, open } from 'node:fs/promises';
import { type ColumnData, columnDataKind, growBytes, type ParquetColumn, writeUtf8 } from '../parquet/index.ts';

/** Rows per block: large enough that per-block costs vanish, small enough (about 1 MB) to stay in cache. */
const DEFAULT_BLOCK_ROWS = 4096;
const HEADER_BYTES = 8;
const utf8 = new TextEncoder();

/** Rounds up to a multiple of 8, so every section of a block starts where a Float64Array view may start. */
function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** How a column is spooled: a dictionary-encoded string column as codes, any other as its ColumnData kind. */
function spoolKind(column: ParquetColumn): ColumnData['kind'] {
  return column.type === 'string' && column.dictionary === true ? 'codes' : columnDataKind(column.type);
}

/** One column of the block being filled; a class per way of storing it, each put called from a site of its own (see putRecord). */
interface ColumnBuilder {
  /** Puts row `r`'s value; a value of the wrong type is a bug upstream (records are validated first). */
  put(r: number, v: unknown): void;
  /** The bytes this column takes in a block of `rows` rows. */
  size(rows: number): number;
  /** Copies the first `rows` rows into `out` at `at`; returns where the next section starts. */
  writeTo(out: Uint8Array, at: number, rows: number): number;
}

function typeError(column: ParquetColumn, kind: string, v: unknown): Error {
  return new Error(
    `spool: column "${column.name}" (${column.type}) expects a ${kind} value, got ${typeof v} ${String(v)}`,
  );
}

/** Copies `length` bytes of a typed array into `out` at `at`; returns where the next (8-aligned) section starts. */
function section(out: Uint8Array, at: number, view: ArrayBufferView, length: number): number {
  out.set(new Uint8Array(view.buffer, view.byteOffset, length), at);
  return at + pad8(length);
}

/** An int32 or float64 column: validity bytes, then the values as they are in memory. */
class NumberBuilder implements ColumnBuilder {
  private readonly valid: Uint8Array;
  private readonly values: Int32Array | Float64Array;
  constructor(
    private readonly column: ParquetColumn,
    capacity: number,
    private readonly kind: 'int32' | 'float64',
  ) {
    this.valid = new Uint8Array(capacity);
    this.values = kind === 'int32' ? new Int32Array(capacity) : new Float64Array(capacity);
  }
  put(r: number, v: unknown): void {
    if (v === null || v === undefined) {
      this.valid[r] = 0;
      return;
    }
    if (typeof v !== 'number') throw typeError(this.column, this.kind, v);
    this.valid[r] = 1;
    this.values[r] = v;
  }
  size(rows: number): number {
    return pad8(rows) + pad8(rows * this.values.BYTES_PER_ELEMENT);
  }
  writeTo(out: Uint8Array, at: number, rows: number): number {
    return section(out, section(out, at, this.valid, rows), this.values, rows * this.values.BYTES_PER_ELEMENT);
  }
}

class BooleanBuilder implements ColumnBuilder {
  private readonly valid: Uint8Array;
  private readonly values: Uint8Array;
  constructor(
    private readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.valid = new Uint8Array(capacity);
    this.values = new Uint8Array(capacity);
  }
  put(r: number, v: unknown): void {
    if (v === null || v === undefined) {
      this.valid[r] = 0;
      return;
    }
    if (typeof v !== 'boolean') throw typeError(this.column, 'boolean', v);
    this.valid[r] = 1;
    this.values[r] = v ? 1 : 0;
  }
  size(rows: number): number {
    return pad8(rows) + pad8(rows);
  }
  writeTo(out: Uint8Array, at: number, rows: number): number {
    return section(out, section(out, at, this.valid, rows), this.values, rows);
  }
}

class Utf8Builder implements ColumnBuilder {
  private readonly valid: Uint8Array;
  private readonly offsets: Uint32Array;
  private bytes: Uint8Array;
  constructor(
    private readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.valid = new Uint8Array(capacity);
    this.offsets = new Uint32Array(capacity + 1);
    this.bytes = new Uint8Array(capacity * 16);
  }
  put(r: number, v: unknown): void {
    const at = this.offsets[r] as number;
    if (v === null || v === undefined) {
      this.valid[r] = 0;
      this.offsets[r + 1] = at;
      return;
    }
    if (typeof v !== 'string') throw typeError(this.column, 'utf8', v);
    this.valid[r] = 1;
    if (at + v.length * 3 > this.bytes.length) this.bytes = growBytes(this.bytes, at, at + v.length * 3);
    this.offsets[r + 1] = writeUtf8(v, this.bytes, at);
  }
  size(rows: number): number {
    return pad8(rows) + pad8((rows + 1) * 4) + pad8(this.offsets[rows] as number);
  }
  writeTo(out: Uint8Array, at: number, rows: number): number {
    const p = section(out, section(out, at, this.valid, rows), this.offsets, (rows + 1) * 4);
    return section(out, p, this.bytes, this.offsets[rows] as number);
  }
}

/**
 * A dictionary-encoded string column, spooled as codes: each distinct value gets a number the first time it is
 * seen, and a block carries the values first seen in it (UTF-8, with offsets), so the reader can rebuild the list.
 */
class CodesBuilder implements ColumnBuilder {
  private readonly valid: Uint8Array;
  private readonly codes: Int32Array;
  private readonly codeOf = new Map<string, number>();
  /** The values first seen in the block being filled, in code order, as UTF-8. */
  private fresh: Uint8Array[] = [];
  private freshBytes = 0;
  constructor(
    private readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.valid = new Uint8Array(capacity);
    this.codes = new Int32Array(capacity);
  }
  put(r: number, v: unknown): void {
    if (v === null || v === undefined) {
      this.valid[r] = 0;
      return;
    }
    if (typeof v !== 'string') throw typeError(this.column, 'utf8', v);
    this.valid[r] = 1;
    let code = this.codeOf.get(v);
    if (code === undefined) {
      code = this.codeOf.size;
      this.codeOf.set(v, code);
      const bytes = utf8.encode(v);
      this.fresh.push(bytes);
      this.freshBytes += bytes.length;
    }
    this.codes[r] = code;
  }
  size(rows: number): number {
    return pad8(rows) + pad8(rows * 4) + 8 + pad8((this.fresh.length + 1) * 4) + pad8(this.freshBytes);
  }
  writeTo(out: Uint8Array, at: number, rows: number): number {
    let p = section(out, section(out, at, this.valid, rows), this.codes, rows * 4);
    const count = this.fresh.length;
    const header = new DataView(out.buffer, out.byteOffset + p, 8);
    header.setUint32(0, count, true);
    header.setUint32(4, this.freshBytes, true);
    p += 8;
    const offsets = new Uint32Array(count + 1);
    for (let k = 0; k < count; k++) offsets[k + 1] = (offsets[k] as number) + (this.fresh[k] as Uint8Array).length;
    p = section(out, p, offsets, (count + 1) * 4);
    let q = p;
    for (const bytes of this.fresh) {
      out.set(bytes, q);
      q += bytes.length;
    }
    this.fresh = [];
    this.freshBytes = 0;
    return p + pad8(q - p);
  }
}

function createBuilder(column: ParquetColumn, capacity: number): ColumnBuilder {
  const kind = spoolKind(column);
  switch (kind) {
    case 'int32':
    case 'float64':
      return new NumberBuilder(column, capacity, kind);
    case 'boolean':
      return new BooleanBuilder(column, capacity);
    case 'codes':
      return new CodesBuilder(column, capacity);
    default:
      return new Utf8Builder(column, capacity);
  }
}

/**
 * Puts a record's values into the builders, one straight-line statement per column. Generated once per column
 * list, because a keyed load of each name in a loop costs more than the rest of the put; the names are the
 * columns' own, quoted with JSON.stringify.
 */
type PutRecord = (builders: readonly ColumnBuilder[], r: number, record: Readonly<Record<string, unknown>>) => void;

function putRecordFor(columns: readonly ParquetColumn[]): PutRecord {
  const body = columns.map((column, j) => `b[${j}].put(r, record[${JSON.stringify(column.name)}]);`).join('\n');
  return new Function('b', 'r', 'record', body) as PutRecord;
}

/** A row's raw cells, when some cell holds the separator itself: JSON (which escapes it) after this byte. */
const RAW_JSON = 0x02;
/** A row given as its record's text (CsvRecord.text): the text after this byte, read back by the caller's parser. */
const RAW_TEXT = 0x03;
/** A row given as where its text lies in the source file: this byte, the byte length (u32), the offset (f64). */
const RAW_RANGE = 0x04;
const RANGE_BYTES = 13;
/** Between a row's cells, when it is kept as its cells. */
const RAW_SEPARATOR = 0x1f;

/** One spooled row's raw side: what a losing row needs to go to rejected.csv with its original cells. */
export interface SpooledRow {
  readonly rowNumber: number;
  readonly cells: readonly string[];
  /** The record's text (CsvRecord.text), when known. */
  readonly text?: string | undefined;
  /** Where the text lies in the source file (CsvRecord.offset and byteLength), -1 when not known. */
  readonly offset?: number;
  readonly byteLength?: number;
}

/** The row numbers and raw sides (see SpooledRow) of the rows of the block being filled. */
class RawBuilder {
  readonly rowNumbers: Int32Array;
  readonly offsets: Uint32Array;
  bytes: Buffer;

  constructor(capacity: number) {
    this.rowNumbers = new Int32Array(capacity);
    this.offsets = new Uint32Array(capacity + 1);
    this.bytes = Buffer.allocUnsafe(capacity * 256);
  }

  /**
   * Puts row `r`'s raw side: where its text lies in the source file (a spool with `ranges`), else its text (one
   * native copy of a string the parser already made), else its cells, separated by U+001F (ASCII by a plain loop
   * that also looks for the separator).
   */
  put(r: number, row: SpooledRow, ranges: boolean): void {
    const { cells, text } = row;
    this.rowNumbers[r] = row.rowNumber;
    const start = this.offsets[r] as number;
    let p = start;
    let clash = false;
    const offset = row.offset ?? -1;
    if (ranges && offset >= 0) {
      // Thirteen bytes instead of the text: a losing row's text is read back from the source file.
      if (p + RANGE_BYTES > this.bytes.length) this.grow(p + RANGE_BYTES);
      this.bytes[p] = RAW_RANGE;
      this.bytes.writeUInt32LE(row.byteLength ?? 0, p + 1);
      this.bytes.writeDoubleLE(offset, p + 5);
      this.offsets[r + 1] = p + RANGE_BYTES;
      return;
    }
    if (text !== undefined) {
      if (p + 1 + text.length * 3 > this.bytes.length) this.grow(p + 1 + text.length * 3);
      this.bytes[p] = RAW_TEXT;
      this.offsets[r + 1] = p + 1 + this.bytes.write(text, p + 1);
      return;
    }
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j] as string;
      const len = cell.length;
      if (p + len * 3 + 1 > this.bytes.length) this.grow(p + len * 3 + 1);
      const bytes = this.bytes;
      if (j > 0) bytes[p++] = RAW_SEPARATOR;
      let k = 0;
      for (; k < len; k++) {
        const c = cell.charCodeAt(k);
        if (c >= 0x80) break;
        if (c === RAW_SEPARATOR) clash = true;
        bytes[p++] = c;
      }
      if (k < len) {
        const rest = cell.slice(k);
        if (rest.indexOf('\u001f') !== -1) clash = true;
        p += utf8.encodeInto(rest, bytes.subarray(p)).written;
      }
    }
    // A row whose text starts with a marker itself is written as JSON too, or it would be read as marked.
    const lead = this.bytes[start];
    if (clash || (p > start && (lead === RAW_JSON || lead === RAW_TEXT || lead === RAW_RANGE))) {
      const json = utf8.encode(JSON.stringify(cells));
      if (start + 1 + json.length > this.bytes.length) this.grow(start + 1 + json.length);
      this.bytes[start] = RAW_JSON;
      this.bytes.set(json, start + 1);
      p = start + 1 + json.length;
    }
    this.offsets[r + 1] = p;
  }

  private grow(need: number): void {
    const grown = growBytes(this.bytes, this.bytes.length, need);
    this.bytes = Buffer.from(grown.buffer, grown.byteOffset, grown.length);
  }

  size(rows: number): number {
    return pad8(rows * 4) + pad8((rows + 1) * 4) + pad8(this.offsets[rows] as number);
  }

  writeTo(out: Uint8Array, at: number, rows: number): number {
    const p = section(out, section(out, at, this.rowNumbers, rows * 4), this.offsets, (rows + 1) * 4);
    return section(out, p, this.bytes, this.offsets[rows] as number);
  }
}

const decoder = new TextDecoder();

/** How readSpool gives back the cells of rows spooled as their record's text or as where it lies in the file. */
export interface RawReaders {
  /** Reads a record's text back into its cells: the CSV reader's parseRecordText, with the file's delimiter. */
  readonly parseText?: (text: string) => string[];
  /** Reads the bytes [offset, offset + byteLength) of the source file back into the record's cells. */
  readonly readRange?: (offset: number, byteLength: number) => string[];
}

/** The cells of one row's raw bytes (as RawBuilder wrote them). */
function decodeRaw(bytes: Uint8Array, readers: RawReaders): string[] {
  const lead = bytes.length > 0 ? bytes[0] : -1;
  if (lead === RAW_JSON) return JSON.parse(decoder.decode(bytes.subarray(1))) as string[];
  if (lead === RAW_TEXT) {
    if (readers.parseText === undefined) {
      throw new Error("spool: a row was spooled as its record's text, but no parser was given to read it");
    }
    return readers.parseText(decoder.decode(bytes.subarray(1)));
  }
  if (lead === RAW_RANGE) {
    if (readers.readRange === undefined) {
      throw new Error('spool: a row was spooled as a range of the source file, but no reader was given for it');
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, RANGE_BYTES);
    return readers.readRange(view.getFloat64(5, true), view.getUint32(1, true));
  }
  return decoder.decode(bytes).split('\u001f');
}

/** Writes validated records to a spool file in blocks. add() is synchronous; await drain() now and then. */
export class RecordSpool {
  private readonly builders: ColumnBuilder[];
  private readonly raw: RawBuilder;
  private readonly putRecord: PutRecord;
  private rows = 0;
  private total = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private position = 0;
  private readonly free: Uint8Array[] = [];

  private constructor(
    private readonly handle: FileHandle,
    columns: readonly ParquetColumn[],
    private readonly blockRows: number,
    private readonly ranges: boolean,
  ) {
    this.builders = columns.map((column) => createBuilder(column, blockRows));
    this.raw = new RawBuilder(blockRows);
    this.putRecord = putRecordFor(columns);
  }

  /**
   * Creates (or truncates) the spool file at `path` for records of these columns. With `ranges` (the source is a
   * file that pass two can read again), a row whose place in the file is known keeps only that, not its text.
   */
  static async create(
    path: string,
    columns: readonly ParquetColumn[],
    options: { readonly blockRows?: number; readonly ranges?: boolean } = {},
  ): Promise<RecordSpool> {
    const blockRows = options.blockRows ?? DEFAULT_BLOCK_ROWS;
    return new RecordSpool(await open(path, 'w'), columns, blockRows, options.ranges === true);
  }

  /** Records spooled so far. */
  get count(): number {
    return this.total;
  }

  /**
   * Appends one record (its value of each column, by the column's name) and its raw side: the row number and
   * original cells, kept as where the text lies in the source file (a spool created with `ranges`), else as the
   * record's text when given (readSpool then needs the readers that read them back), else as the cells.
   */
  add(record: Readonly<Record<string, unknown>>, row: SpooledRow): void {
    const r = this.rows;
    this.putRecord(this.builders, r, record);
    this.raw.put(r, row, this.ranges);
    this.total++;
    if (++this.rows === this.blockRows) this.seal();
  }

  /** Waits for the blocks sealed so far to be written: call between batches so blocks never pile up. */
  async drain(): Promise<void> {
    await this.writing;
  }

  /** Writes the last block and closes the file. */
  async close(): Promise<void> {
    try {
      if (this.rows > 0) this.seal();
      await this.writing;
    } finally {
      await this.handle.close();
    }
  }

  private seal(): void {
    const rows = this.rows;
    let size = HEADER_BYTES + this.raw.size(rows);
    for (const builder of this.builders) size += builder.size(rows);
    // Block buffers are reused once written, so a long ingest leaves no trail of megabyte buffers behind it.
    // The padding between sections keeps whatever a reused buffer held: it is never read.
    let block = this.free.pop();
    if (block === undefined || block.length < size) block = new Uint8Array(Math.max(size, block?.length ?? 0));
    const header = new DataView(block.buffer, block.byteOffset, HEADER_BYTES);
    header.setUint32(0, rows, true);
    header.setUint32(4, size, true);
    let at = HEADER_BYTES;
    for (const builder of this.builders) at = builder.writeTo(block, at, rows);
    this.raw.writeTo(block, at, rows);
    this.rows = 0;
    const position = this.position;
    this.position += size;
    const previous = this.writing;
    this.writing = previous.then(async () => {
      await this.handle.write(block, 0, size, position);
      this.free.push(block);
    });
  }
}

/** One block read back: rows [0..rows) of `columns`, the first being spool index `first`. */
export interface SpoolBlock {
  readonly first: number;
  readonly rows: number;
  readonly columns: ColumnData[];
  /** The kept rows as [start, end) ranges, in order: the block less the rows that lost. */
  readonly kept: readonly (readonly [number, number])[];
}

/**
 * Views one column of a block read into `buffer` at `at`; returns the column and where the next one starts. A
 * codes column's values first seen in this block are copied onto `entries` (the buffer is reused).
 */
function viewColumn(
  kind: ColumnData['kind'],
  buffer: ArrayBuffer,
  at: number,
  rows: number,
  entries: Uint8Array[],
): [ColumnData, number] {
  const valid = new Uint8Array(buffer, at, rows);
  let p = at + pad8(rows);
  switch (kind) {
    case 'int32':
      return [{ kind, valid, values: new Int32Array(buffer, p, rows) }, p + pad8(rows * 4)];
    case 'float64':
      return [{ kind, valid, values: new Float64Array(buffer, p, rows) }, p + rows * 8];
    case 'boolean':
      return [{ kind, valid, values: new Uint8Array(buffer, p, rows) }, p + pad8(rows)];
    case 'codes': {
      const codes = new Int32Array(buffer, p, rows);
      p += pad8(rows * 4);
      const header = new DataView(buffer, p, 8);
      const count = header.getUint32(0, true);
      const length = header.getUint32(4, true);
      p += 8;
      const offsets = new Uint32Array(buffer, p, count + 1);
      p += pad8((count + 1) * 4);
      const bytes = new Uint8Array(buffer, p, length);
      for (let k = 0; k < count; k++) entries.push(bytes.slice(offsets[k], offsets[k + 1]));
      return [{ kind, valid, codes, entries }, p + pad8(length)];
    }
    default: {
      const offsets = new Uint32Array(buffer, p, rows + 1);
      p += pad8((rows + 1) * 4);
      const length = offsets[rows] as number;
      return [{ kind, valid, offsets, bytes: new Uint8Array(buffer, p, length) }, p + pad8(length)];
    }
  }
}

/**
 * Reads a spool back block by block, with the kept rows as ranges around the rows `isLoser` names (by spool
 * index, counted from `firstIndex`), whose original cells go to `onLoser` (rows spooled as their record's text or
 * as a range of the source file are read back by `readers`). Each block is valid until the next one is asked for.
 */
export async function* readSpool(
  path: string,
  columns: readonly ParquetColumn[],
  isLoser: (spoolIndex: number) => boolean,
  onLoser: (spoolIndex: number, rowNumber: number, cells: string[]) => void = () => undefined,
  firstIndex = 0,
  readers: RawReaders = {},
): AsyncGenerator<SpoolBlock> {
  const kinds = columns.map(spoolKind);
  // Each codes column's values, in code order: one list for the whole spool, growing block by block.
  const entries = columns.map((): Uint8Array[] => []);
  const handle = await open(path, 'r');
  // Two buffers, each reused (a block's sections are 8-aligned, so typed arrays view it without copying): the
  // next block is read into one while the caller works on the block in the other.
  const buffers = [new ArrayBuffer(0), new ArrayBuffer(0)];
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  /**
   * Reads the block at `position` into buffers[slot]: its row count, size and the header of the block after it,
   * or undefined at the end. A block is read with the next one's header in one call, so only the first block's
   * header takes a read of its own.
   */
  const readBlock = async (position: number, slot: number, known?: { rows: number; size: number }) => {
    let blockHeader = known;
    if (blockHeader === undefined) {
      const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, position);
      if (bytesRead === 0) return undefined;
      if (bytesRead < HEADER_BYTES) throw new Error(`spool: ${path} ends inside a block header at byte ${position}`);
      blockHeader = { rows: view.getUint32(0, true), size: view.getUint32(4, true) };
    }
    const { rows, size } = blockHeader;
    let buffer = buffers[slot] as ArrayBuffer;
    if (buffer.byteLength < size + HEADER_BYTES) {
      buffer = new ArrayBuffer(Math.max(size + HEADER_BYTES, buffer.byteLength * 2));
      buffers[slot] = buffer;
    }
    const read = await handle.read(new Uint8Array(buffer, 0, size + HEADER_BYTES), 0, size + HEADER_BYTES, position);
    if (read.bytesRead < size) throw new Error(`spool: ${path} ends inside a block at byte ${position}`);
    let next: { rows: number; size: number } | undefined;
    if (read.bytesRead === size + HEADER_BYTES) {
      const tail = new DataView(buffer, size, HEADER_BYTES);
      next = { rows: tail.getUint32(0, true), size: tail.getUint32(4, true) };
    } else if (read.bytesRead > size) {
      throw new Error(`spool: ${path} ends inside a block header at byte ${position + size}`);
    }
    return { rows, size, buffer, next };
  };
  let pending = readBlock(0, 0);
  // A read in flight when the caller stops early must still be awaited before the file is closed.
  pending.catch(() => undefined);
  try {
    let position = 0;
    let first = firstIndex;
    for (let slot = 0; ; slot ^= 1) {
      const current = await pending;
      if (current === undefined) return;
      const { rows, size, buffer, next } = current;
      position += size;
      pending = next === undefined ? Promise.resolve(undefined) : readBlock(position, slot ^ 1, next);
      pending.catch(() => undefined);
      let at = HEADER_BYTES;
      const data: ColumnData[] = [];
      for (let j = 0; j < kinds.length; j++) {
        const [column, next] = viewColumn(kinds[j] as ColumnData['kind'], buffer, at, rows, entries[j] as Uint8Array[]);
        data.push(column);
        at = next;
      }
      const rowNumbers = new Int32Array(buffer, at, rows);
      at += pad8(rows * 4);
      const rawOffsets = new Uint32Array(buffer, at, rows + 1);
      const rawBytes = new Uint8Array(buffer, at + pad8((rows + 1) * 4), rawOffsets[rows] as number);
      const kept: [number, number][] = [];
      let from = 0;
      for (let i = 0; i < rows; i++) {
        if (!isLoser(first + i)) continue;
        if (i > from) kept.push([from, i]);
        from = i + 1;
        onLoser(
          first + i,
          rowNumbers[i] as number,
          decodeRaw(rawBytes.subarray(rawOffsets[i], rawOffsets[i + 1]), readers),
        );
      }
      if (rows > from) kept.push([from, rows]);
      yield { first, rows, columns: data, kept };
      first += rows;
    }
  } finally {
    await pending.catch(() => undefined);
    await handle.close();
  }
}
