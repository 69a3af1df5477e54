import { endianness } from 'node:os';
import { type ChunkStatistics, Encoding, PhysicalType, type SchemaLeaf } from './format.ts';

/**
 * Column buffers for one row group. Each buffer appends a slice of one column, given as typed ColumnData (rows
 * of values are first copied into that form by columnOfRows), in one tight, monomorphic loop, keeps the values in
 * typed arrays sized for one row group, and encodes itself into a PLAIN or RLE_DICTIONARY v1 data page. Nulls are not stored as values: a
 * validity bitmap is kept, which is byte for byte the bit-packed form of the definition levels.
 */

/** A value a row may hold. */
export type ParquetValue = string | number | boolean | null;

/** The logical column types the writer supports. */
export type ParquetType = 'string' | 'int32' | 'double' | 'boolean' | 'timestamp_millis';

/** One column of the file's flat schema. */
export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetType;
  readonly nullable: boolean;
  /** A hint that the column is a low-cardinality string: it is dictionary-encoded (with a fallback to PLAIN). */
  readonly dictionary?: boolean;
}

/** The encoded pages of one column chunk, uncompressed. */
export interface EncodedChunk {
  readonly dictionary?: { readonly body: Uint8Array; readonly numValues: number };
  readonly data: Uint8Array;
  readonly dataEncoding: number;
  readonly numValues: number;
  readonly statistics: ChunkStatistics;
}

if (endianness() !== 'LE') {
  // Typed arrays are copied into pages as they lie in memory; Parquet is little-endian.
  throw new Error(`parquet: this writer needs a little-endian machine, got ${endianness()}`);
}

/** A dictionary larger than this falls back to PLAIN: the index bit width would exceed 16. */
const MAX_DICTIONARY_ENTRIES = 1 << 16;
/** A dictionary whose values weigh more than this falls back to PLAIN (parquet-java and Arrow use 1 MiB). */
const MAX_DICTIONARY_BYTES = 1 << 20;
/** String statistics longer than this are left out rather than truncated (a truncated max would need care). */
const MAX_STAT_BYTES = 64;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function typeError(column: ParquetColumn, expected: string, value: unknown, row: number): Error {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new Error(
    `parquet: column "${column.name}" (${column.type}) expects ${expected}, got ${shown} (${typeof value}) at row ${row}`,
  );
}

/**
 * One column of a batch of rows in typed form, the writer's columnar input: `valid[i]` is 1 when row i has a
 * value. Values of null rows are ignored (any value may be there). Strings are UTF-8: row i's bytes are
 * bytes[offsets[i]..offsets[i + 1]) (an empty range for a null).
 */
export type ColumnData =
  | { readonly kind: 'int32'; readonly valid: Uint8Array; readonly values: Int32Array }
  | { readonly kind: 'float64'; readonly valid: Uint8Array; readonly values: Float64Array }
  | { readonly kind: 'boolean'; readonly valid: Uint8Array; readonly values: Uint8Array }
  | { readonly kind: 'utf8'; readonly valid: Uint8Array; readonly offsets: Uint32Array; readonly bytes: Uint8Array }
  | CodesData;

/**
 * Strings given as codes: row i's value is entries[codes[i]], in UTF-8. For a column of few distinct values (a
 * code list, a value constant across a file): each value is then appended as a lookup, not as its bytes. The
 * entries list may grow between calls (later rows bring new values), but an entry once given never changes.
 */
export interface CodesData {
  readonly kind: 'codes';
  readonly valid: Uint8Array;
  readonly codes: Int32Array;
  readonly entries: readonly Uint8Array[];
}

/** The ColumnData kind each logical type is given in (a string column may also be given as codes). */
export function columnDataKind(type: ParquetType): Exclude<ColumnData['kind'], 'codes'> {
  switch (type) {
    case 'int32':
      return 'int32';
    case 'double':
    case 'timestamp_millis':
      return 'float64';
    case 'boolean':
      return 'boolean';
    default:
      return 'utf8';
  }
}

function kindError(column: ParquetColumn, data: ColumnData): Error {
  const takes = column.type === 'string' ? 'utf8 or codes' : columnDataKind(column.type);
  return new Error(`parquet: column "${column.name}" (${column.type}) takes ${takes} column data, got ${data.kind}`);
}

/** Column buffer interface shared by every physical type. */
export interface ColumnBuffer {
  readonly column: ParquetColumn;
  readonly leaf: SchemaLeaf;
  /**
   * Appends rows [start..end) of typed column data; `rowBase` is the writer-wide number of row `start`, for error
   * messages. Rows given as values reach it through columnOfRows.
   */
  appendData(data: ColumnData, start: number, end: number, rowBase: number): void;
  /** Bytes held by variable-length values, so the writer can cut a row group early when strings are large. */
  variableBytes(): number;
  /** Encodes the buffered rows into pages, then empties the buffer for the next row group. */
  encodeAndReset(): EncodedChunk;
}

/** Validity of the rows of a row group, one bit per row (1 = present), least significant bit first. */
class Validity {
  bits: Uint8Array;
  rows = 0;
  nulls = 0;

  constructor(capacity: number) {
    this.bits = new Uint8Array((capacity + 7) >>> 3);
  }

  /** Definition levels in the v1 page layout: a 4-byte length, then the RLE/bit-packed hybrid runs. */
  definitionLevels(): Uint8Array {
    const rows = this.rows;
    if (this.nulls === 0 || this.nulls === rows) {
      // One RLE run: header (count << 1), then the level in one byte.
      const header = varintBytes(rows * 2);
      const out = new Uint8Array(4 + header.length + 1);
      writeU32(out, 0, header.length + 1);
      out.set(header, 4);
      out[4 + header.length] = this.nulls === 0 ? 1 : 0;
      return out;
    }
    // One bit-packed run of ceil(rows / 8) groups; the bitmap already is that run's payload.
    const groups = (rows + 7) >>> 3;
    const header = varintBytes(groups * 2 + 1);
    const out = new Uint8Array(4 + header.length + groups);
    writeU32(out, 0, header.length + groups);
    out.set(header, 4);
    out.set(this.bits.subarray(0, groups), 4 + header.length);
    return out;
  }

  reset(): void {
    this.bits.fill(0, 0, (this.rows + 7) >>> 3);
    this.rows = 0;
    this.nulls = 0;
  }
}

function varintBytes(v: number): Uint8Array {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

/** Page body = [definition levels] + values, in one freshly allocated buffer the caller owns. */
function pageBody(levels: Uint8Array | undefined, values: Uint8Array): Uint8Array {
  if (!levels) return values.slice();
  const out = new Uint8Array(levels.length + values.length);
  out.set(levels, 0);
  out.set(values, levels.length);
  return out;
}

function leafOf(column: ParquetColumn, physicalType: number, logical?: SchemaLeaf['logical']): SchemaLeaf {
  return logical
    ? { name: column.name, physicalType, optional: column.nullable, logical }
    : { name: column.name, physicalType, optional: column.nullable };
}

function bytesOf(view: ArrayBufferView, length: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, length);
}

class Int32Buffer implements ColumnBuffer {
  readonly leaf: SchemaLeaf;
  private readonly values: Int32Array;
  private readonly validity: Validity;
  private n = 0;
  private min = 0x7fffffff;
  private max = -0x80000000;

  constructor(
    readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.leaf = leafOf(column, PhysicalType.INT32);
    this.values = new Int32Array(capacity);
    this.validity = new Validity(capacity);
  }

  appendData(data: ColumnData, start: number, end: number, rowBase: number): void {
    if (data.kind !== 'int32') throw kindError(this.column, data);
    const source = data.values;
    const valid = data.valid;
    const values = this.values;
    const validity = this.validity;
    const bits = validity.bits;
    const nullable = this.column.nullable;
    let n = this.n;
    let r = validity.rows;
    let min = this.min;
    let max = this.max;
    for (let i = start; i < end; i++, r++) {
      if (valid[i] === 0) {
        if (!nullable) throw typeError(this.column, 'a value (the column is not nullable)', null, rowBase + i - start);
        validity.nulls++;
        continue;
      }
      const v = source[i] as number;
      bits[r >>> 3] = (bits[r >>> 3] as number) | (1 << (r & 7));
      values[n++] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.n = n;
    validity.rows = r;
    this.min = min;
    this.max = max;
  }

  variableBytes(): number {
    return 0;
  }

  encodeAndReset(): EncodedChunk {
    const n = this.n;
    const data = pageBody(
      this.column.nullable ? this.validity.definitionLevels() : undefined,
      bytesOf(this.values, n * 4),
    );
    const statistics: ChunkStatistics =
      n > 0
        ? {
            nullCount: this.validity.nulls,
            min: new Uint8Array(Int32Array.of(this.min).buffer),
            max: new Uint8Array(Int32Array.of(this.max).buffer),
          }
        : { nullCount: this.validity.nulls };
    const numValues = this.validity.rows;
    this.n = 0;
    this.min = 0x7fffffff;
    this.max = -0x80000000;
    this.validity.reset();
    return { data, dataEncoding: Encoding.PLAIN, numValues, statistics };
  }
}

/** Doubles and millisecond timestamps: both are held as float64; timestamps are turned into int64 when encoded. */
class Float64Buffer implements ColumnBuffer {
  readonly leaf: SchemaLeaf;
  private readonly values: Float64Array;
  private readonly validity: Validity;
  private readonly timestamp: boolean;
  private n = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  constructor(
    readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.timestamp = column.type === 'timestamp_millis';
    this.leaf = this.timestamp
      ? leafOf(column, PhysicalType.INT64, 'timestamp_millis')
      : leafOf(column, PhysicalType.DOUBLE);
    this.values = new Float64Array(capacity);
    this.validity = new Validity(capacity);
  }

  appendData(data: ColumnData, start: number, end: number, rowBase: number): void {
    if (data.kind !== 'float64') throw kindError(this.column, data);
    const source = data.values;
    const valid = data.valid;
    const values = this.values;
    const validity = this.validity;
    const bits = validity.bits;
    const nullable = this.column.nullable;
    const timestamp = this.timestamp;
    let n = this.n;
    let r = validity.rows;
    let min = this.min;
    let max = this.max;
    for (let i = start; i < end; i++, r++) {
      if (valid[i] === 0) {
        if (!nullable) throw typeError(this.column, 'a value (the column is not nullable)', null, rowBase + i - start);
        validity.nulls++;
        continue;
      }
      const v = source[i] as number;
      if (timestamp) checkTimestamp(this.column, v, rowBase + i - start);
      bits[r >>> 3] = (bits[r >>> 3] as number) | (1 << (r & 7));
      values[n++] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.n = n;
    validity.rows = r;
    this.min = min;
    this.max = max;
  }

  variableBytes(): number {
    return 0;
  }

  encodeAndReset(): EncodedChunk {
    const n = this.n;
    const levels = this.column.nullable ? this.validity.definitionLevels() : undefined;
    let data: Uint8Array;
    let statistics: ChunkStatistics = { nullCount: this.validity.nulls };
    if (this.timestamp) {
      const offset = levels ? levels.length : 0;
      const buf = new ArrayBuffer(offset + n * 8);
      data = new Uint8Array(buf);
      if (levels) data.set(levels, 0);
      const values = this.values;
      const dv = new DataView(buf, offset);
      for (let i = 0; i < n; i++) {
        const v = values[i] as number;
        // Exact for every whole |v| < 2^53: ToUint32 takes v modulo 2^32, the division gives the high word.
        dv.setUint32(i * 8, v >>> 0, true);
        dv.setInt32(i * 8 + 4, Math.floor(v / 4294967296), true);
      }
      if (n > 0) statistics = { nullCount: this.validity.nulls, min: int64Bytes(this.min), max: int64Bytes(this.max) };
    } else {
      data = pageBody(levels, bytesOf(this.values, n * 8));
      if (this.min <= this.max) {
        // The spec asks for -0.0 as a zero minimum and +0.0 as a zero maximum.
        const min = this.min === 0 ? -0 : this.min;
        const max = this.max === 0 ? 0 : this.max;
        statistics = {
          nullCount: this.validity.nulls,
          min: new Uint8Array(Float64Array.of(min).buffer),
          max: new Uint8Array(Float64Array.of(max).buffer),
        };
      }
    }
    const numValues = this.validity.rows;
    this.n = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.validity.reset();
    return { data, dataEncoding: Encoding.PLAIN, numValues, statistics };
  }
}

function int64Bytes(v: number): Uint8Array {
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, v >>> 0, true);
  dv.setInt32(4, Math.floor(v / 4294967296), true);
  return out;
}

class BooleanBuffer implements ColumnBuffer {
  readonly leaf: SchemaLeaf;
  /** PLAIN booleans are bit-packed, least significant bit first: this bitmap is the page's value section. */
  private readonly values: Uint8Array;
  private readonly validity: Validity;
  private n = 0;
  private trues = 0;

  constructor(
    readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.leaf = leafOf(column, PhysicalType.BOOLEAN);
    this.values = new Uint8Array((capacity + 7) >>> 3);
    this.validity = new Validity(capacity);
  }

  appendData(data: ColumnData, start: number, end: number, rowBase: number): void {
    if (data.kind !== 'boolean') throw kindError(this.column, data);
    const source = data.values;
    const valid = data.valid;
    const values = this.values;
    const validity = this.validity;
    const bits = validity.bits;
    const nullable = this.column.nullable;
    let n = this.n;
    let r = validity.rows;
    let trues = this.trues;
    for (let i = start; i < end; i++, r++) {
      if (valid[i] === 0) {
        if (!nullable) throw typeError(this.column, 'a value (the column is not nullable)', null, rowBase + i - start);
        validity.nulls++;
        continue;
      }
      if (source[i] !== 0) {
        values[n >>> 3] = (values[n >>> 3] as number) | (1 << (n & 7));
        trues++;
      }
      n++;
      bits[r >>> 3] = (bits[r >>> 3] as number) | (1 << (r & 7));
    }
    this.n = n;
    this.trues = trues;
    validity.rows = r;
  }

  variableBytes(): number {
    return 0;
  }

  encodeAndReset(): EncodedChunk {
    const n = this.n;
    const packed = (n + 7) >>> 3;
    const data = pageBody(
      this.column.nullable ? this.validity.definitionLevels() : undefined,
      this.values.subarray(0, packed),
    );
    const statistics: ChunkStatistics =
      n > 0
        ? {
            nullCount: this.validity.nulls,
            min: Uint8Array.of(this.trues === n ? 1 : 0),
            max: Uint8Array.of(this.trues > 0 ? 1 : 0),
          }
        : { nullCount: this.validity.nulls };
    const numValues = this.validity.rows;
    this.values.fill(0, 0, packed);
    this.n = 0;
    this.trues = 0;
    this.validity.reset();
    return { data, dataEncoding: Encoding.PLAIN, numValues, statistics };
  }
}

/** Unsigned byte-wise comparison of two ranges (the order Parquet defines for UTF-8 strings). */
function compareBytes(
  a: Uint8Array,
  aStart: number,
  aLen: number,
  b: Uint8Array,
  bStart: number,
  bLen: number,
): number {
  const len = Math.min(aLen, bLen);
  for (let k = 0; k < len; k++) {
    const d = (a[aStart + k] as number) - (b[bStart + k] as number);
    if (d !== 0) return d;
  }
  return aLen - bLen;
}

/**
 * Strings. PLAIN values are written straight into their page layout (4-byte length, UTF-8 bytes), ASCII by a
 * plain loop and anything else by TextEncoder.encodeInto. Dictionary columns keep a Map from string to index
 * and fall back to PLAIN for the rest of the row group when the dictionary grows too large.
 */
class StringBuffer implements ColumnBuffer {
  readonly leaf: SchemaLeaf;
  private readonly validity: Validity;
  private readonly wantDictionary: boolean;
  /** PLAIN page values: [u32 length][bytes]... */
  private bytes = new Uint8Array(1 << 16);
  private pos = 0;
  private n = 0;
  private minAt = -1;
  private maxAt = -1;
  // Dictionary state (when `dict` is not null).
  private dict: Map<string, number> | null;
  private entries: string[] = [];
  private entryBytes = 0;
  /** For values given as bytes: each entry's UTF-8, and the entries by a hash of it. */
  private entryUtf8: Uint8Array[] = [];
  private byteIndex = new Map<number, number[]>();
  private readonly indices: Int32Array;
  /**
   * For values given as codes: the entries list they index, and each code's dictionary index in this row group
   * (-1 until the code is first seen in it), so a coded value costs one array lookup.
   */
  private codeEntries: readonly Uint8Array[] | undefined;
  private codeIndex = new Int32Array(0);

  constructor(
    readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.leaf = leafOf(column, PhysicalType.BYTE_ARRAY, 'string');
    this.validity = new Validity(capacity);
    this.wantDictionary = column.dictionary === true;
    this.dict = this.wantDictionary ? new Map() : null;
    this.indices = new Int32Array(this.wantDictionary ? capacity : 0);
  }

  /**
   * appendDictionary for a value given as UTF-8 bytes: entries are found by a hash of their bytes and a byte
   * compare, so no string is made per value; a value new to the dictionary is decoded once.
   */
  private appendDictionaryBytes(bytes: Uint8Array, from: number, to: number): void {
    let hash = 0x811c9dc5;
    for (let k = from; k < to; k++) hash = Math.imul(hash ^ (bytes[k] as number), 0x01000193);
    const candidates = this.byteIndex.get(hash);
    if (candidates !== undefined) {
      for (const k of candidates) {
        const entry = this.entryUtf8[k] as Uint8Array;
        if (compareBytes(entry, 0, entry.length, bytes, from, to - from) === 0) {
          this.indices[this.n++] = k;
          return;
        }
      }
    }
    this.appendDictionary(utf8Decoder.decode(bytes.subarray(from, to)));
    if (this.dict === null) return; // fell back to PLAIN
    const k = this.indices[this.n - 1] as number;
    if (this.entryUtf8[k] === undefined) {
      this.entryUtf8[k] = bytes.slice(from, to);
      if (candidates === undefined) this.byteIndex.set(hash, [k]);
      else candidates.push(k);
    }
  }

  /** Appends one value to the dictionary, or as PLAIN once the dictionary has grown too large. */
  private appendDictionary(v: string): void {
    const dict = this.dict as Map<string, number>;
    let k = dict.get(v);
    if (k === undefined) {
      k = this.entries.length;
      this.entryBytes += 4 + utf8Length(v);
      if (k >= MAX_DICTIONARY_ENTRIES || this.entryBytes > MAX_DICTIONARY_BYTES) {
        this.fallBackToPlain();
        this.pushPlain(v);
        return;
      }
      dict.set(v, k);
      this.entries.push(v);
    }
    this.indices[this.n++] = k;
  }

  private pushPlain(v: string): void {
    const len = v.length;
    if (this.pos + 4 + len * 3 > this.bytes.length) this.grow(4 + len * 3);
    const at = this.pos;
    this.closePlain(at, writeUtf8(v, this.bytes, at + 4));
  }

  /** Appends one value already in UTF-8: source[from..to). */
  private pushPlainBytes(source: Uint8Array, from: number, to: number): void {
    const len = to - from;
    if (this.pos + 4 + len > this.bytes.length) this.grow(4 + len);
    const at = this.pos;
    const bytes = this.bytes;
    if (len <= 64) {
      // Most values are short: a loop beats making a subarray object per value.
      for (let k = 0, p = at + 4; k < len; k++, p++) bytes[p] = source[from + k] as number;
    } else {
      bytes.set(source.subarray(from, to), at + 4);
    }
    this.closePlain(at, at + 4 + len);
  }

  /** Writes the length of the value just put at `at` (ending at `p`) and updates the statistics. */
  private closePlain(at: number, p: number): void {
    const bytes = this.bytes;
    const byteLen = p - at - 4;
    bytes[at] = byteLen & 0xff;
    bytes[at + 1] = (byteLen >>> 8) & 0xff;
    bytes[at + 2] = (byteLen >>> 16) & 0xff;
    bytes[at + 3] = byteLen >>> 24;
    this.pos = p;
    this.n++;
    // Statistics: compare with the current bounds only when the first byte does not settle it.
    if (this.minAt < 0) {
      this.minAt = at;
      this.maxAt = at;
    } else {
      const first = byteLen > 0 ? (bytes[at + 4] as number) : -1;
      const minAt = this.minAt;
      const maxAt = this.maxAt;
      const minFirst = readU32(bytes, minAt) === 0 ? -1 : (bytes[minAt + 4] as number);
      const maxFirst = readU32(bytes, maxAt) === 0 ? -1 : (bytes[maxAt + 4] as number);
      if (first <= minFirst && this.compareAt(at, minAt) < 0) this.minAt = at;
      else if (first >= maxFirst && this.compareAt(at, maxAt) > 0) this.maxAt = at;
    }
  }

  appendData(data: ColumnData, start: number, end: number, rowBase: number): void {
    if (data.kind !== 'utf8' && data.kind !== 'codes') throw kindError(this.column, data);
    // Values come as UTF-8 bytes, or as codes into a list of them (the same values, so the same pages).
    const coded = data.kind === 'codes' ? data : undefined;
    const plain = data.kind === 'utf8' ? data : undefined;
    if (coded !== undefined && (coded.entries !== this.codeEntries || this.codeIndex.length < coded.entries.length)) {
      this.mapCodes(coded.entries);
    }
    const valid = data.valid;
    const validity = this.validity;
    const bits = validity.bits;
    const nullable = this.column.nullable;
    let r = validity.rows;
    for (let i = start; i < end; i++, r++) {
      if (valid[i] === 0) {
        if (!nullable) throw typeError(this.column, 'a value (the column is not nullable)', null, rowBase + i - start);
        validity.nulls++;
        continue;
      }
      bits[r >>> 3] = (bits[r >>> 3] as number) | (1 << (r & 7));
      if (plain !== undefined) {
        const from = plain.offsets[i] as number;
        const to = plain.offsets[i + 1] as number;
        if (this.dict === null) this.pushPlainBytes(plain.bytes, from, to);
        else this.appendDictionaryBytes(plain.bytes, from, to);
      } else {
        this.appendCode(coded as CodesData, i, rowBase + i - start);
      }
    }
    validity.rows = r;
  }

  /** Appends row i of coded values: one table look-up once its code has been seen in this row group. */
  private appendCode(data: CodesData, i: number, row: number): void {
    const code = data.codes[i] as number;
    const entry = data.entries[code];
    if (entry === undefined) {
      throw new Error(
        `parquet: column "${this.column.name}" got code ${code} at row ${row}, expected one of the ${data.entries.length} entries`,
      );
    }
    if (this.dict === null) {
      this.pushPlainBytes(entry, 0, entry.length);
      return;
    }
    const k = this.codeIndex[code] as number;
    if (k >= 0) {
      this.indices[this.n++] = k;
      return;
    }
    this.appendDictionaryBytes(entry, 0, entry.length);
    // After a fall back to PLAIN this is stale but unread: the table is reset with the dictionary.
    this.codeIndex[code] = this.indices[this.n - 1] as number;
  }

  /** Starts the code-to-index table for `entries` (a new list, or one that grew), keeping what is known. */
  private mapCodes(entries: readonly Uint8Array[]): void {
    const next = new Int32Array(Math.max(16, entries.length * 2)).fill(-1);
    if (entries === this.codeEntries) next.set(this.codeIndex);
    this.codeIndex = next;
    this.codeEntries = entries;
  }

  private compareAt(a: number, b: number): number {
    const bytes = this.bytes;
    return compareBytes(bytes, a + 4, readU32(bytes, a), bytes, b + 4, readU32(bytes, b));
  }

  private grow(need: number): void {
    this.bytes = growBytes(this.bytes, this.pos, this.pos + need);
  }

  /** Rewrites the values indexed so far as PLAIN and stops using the dictionary for this row group. */
  private fallBackToPlain(): void {
    const entries = this.entries;
    const indices = this.indices;
    const count = this.n;
    this.dict = null;
    this.n = 0;
    for (let i = 0; i < count; i++) this.pushPlain(entries[indices[i] as number] as string);
    this.entries = [];
    this.entryBytes = 0;
    this.entryUtf8 = [];
    this.byteIndex = new Map();
  }

  variableBytes(): number {
    return this.pos + this.entryBytes;
  }

  encodeAndReset(): EncodedChunk {
    const levels = this.column.nullable ? this.validity.definitionLevels() : undefined;
    const nullCount = this.validity.nulls;
    const numValues = this.validity.rows;
    let chunk: EncodedChunk;
    // An all-null dictionary column has no dictionary to write: its empty PLAIN page is simpler for readers.
    if (this.dict !== null && this.entries.length > 0) {
      chunk = this.encodeDictionary(levels, nullCount, numValues);
    } else {
      let statistics: ChunkStatistics = { nullCount };
      if (this.n > 0) {
        const bytes = this.bytes;
        const minLen = readU32(bytes, this.minAt);
        const maxLen = readU32(bytes, this.maxAt);
        if (minLen <= MAX_STAT_BYTES && maxLen <= MAX_STAT_BYTES) {
          statistics = {
            nullCount,
            min: bytes.slice(this.minAt + 4, this.minAt + 4 + minLen),
            max: bytes.slice(this.maxAt + 4, this.maxAt + 4 + maxLen),
          };
        }
      }
      chunk = {
        data: pageBody(levels, this.bytes.subarray(0, this.pos)),
        dataEncoding: Encoding.PLAIN,
        numValues,
        statistics,
      };
    }
    this.pos = 0;
    this.n = 0;
    this.minAt = -1;
    this.maxAt = -1;
    this.dict = this.wantDictionary ? new Map() : null;
    this.entries = [];
    this.entryBytes = 0;
    this.entryUtf8 = [];
    this.byteIndex = new Map();
    this.codeIndex.fill(-1);
    this.validity.reset();
    return chunk;
  }

  private encodeDictionary(levels: Uint8Array | undefined, nullCount: number, numValues: number): EncodedChunk {
    const entries = this.entries;
    const encoded = entries.map((s) => utf8.encode(s));
    let dictSize = 0;
    for (const e of encoded) dictSize += 4 + e.length;
    const dictBody = new Uint8Array(dictSize);
    let p = 0;
    let min: Uint8Array | undefined;
    let max: Uint8Array | undefined;
    for (const e of encoded) {
      writeU32(dictBody, p, e.length);
      dictBody.set(e, p + 4);
      p += 4 + e.length;
      if (!min || compareBytes(e, 0, e.length, min, 0, min.length) < 0) min = e;
      if (!max || compareBytes(e, 0, e.length, max, 0, max.length) > 0) max = e;
    }
    const values = encodeIndices(this.indices, this.n, entries.length);
    const statistics: ChunkStatistics =
      min && max && min.length <= MAX_STAT_BYTES && max.length <= MAX_STAT_BYTES
        ? { nullCount, min: min.slice(), max: max.slice() }
        : { nullCount };
    return {
      dictionary: { body: dictBody, numValues: entries.length },
      data: pageBody(levels, values),
      dataEncoding: Encoding.RLE_DICTIONARY,
      numValues,
      statistics,
    };
  }
}

/** A copy of `bytes[0..used)` in a larger array of at least `need` bytes (doubling, so appends stay linear). */
export function growBytes(bytes: Uint8Array, used: number, need: number): Uint8Array<ArrayBuffer> {
  let size = Math.max(bytes.length * 2, 1024);
  while (size < need) size *= 2;
  const next = new Uint8Array(size);
  next.set(bytes.subarray(0, used));
  return next;
}

/**
 * Writes `v` as UTF-8 into `bytes` at `p`, which must have room for 3 bytes a UTF-16 unit; returns the end. ASCII
 * goes by a plain loop (most values), the rest by TextEncoder.encodeInto.
 */
export function writeUtf8(v: string, bytes: Uint8Array, p: number): number {
  const len = v.length;
  let k = 0;
  for (; k < len; k++) {
    const c = v.charCodeAt(k);
    if (c >= 0x80) break;
    bytes[p++] = c;
  }
  if (k < len) p += utf8.encodeInto(v.slice(k), bytes.subarray(p)).written;
  return p;
}

/** UTF-8 length of a string without encoding it (lone surrogates count as U+FFFD, as TextEncoder writes them). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length && (s.charCodeAt(k + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      k++;
    } else n += 2;
  }
  return n;
}

function readU32(b: Uint8Array, at: number): number {
  return (
    ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) +
    (b[at + 3] as number) * 0x1000000
  );
}

/**
 * RLE_DICTIONARY values: one byte of bit width, then the indices as RLE/bit-packed hybrid runs. A constant column
 * is one RLE run; anything else is one bit-packed run, which costs a few bits per value and no run detection.
 */
function encodeIndices(indices: Int32Array, n: number, dictSize: number): Uint8Array {
  let bitWidth = 1;
  while (1 << bitWidth < dictSize) bitWidth++;
  if (dictSize <= 1 || n === 0) {
    const header = varintBytes(n * 2);
    const out = new Uint8Array(1 + header.length + ((bitWidth + 7) >>> 3));
    out[0] = bitWidth;
    out.set(header, 1);
    return out; // the run's value, index 0, is already there as zero bytes
  }
  const groups = (n + 7) >>> 3;
  const header = varintBytes(groups * 2 + 1);
  const out = new Uint8Array(1 + header.length + groups * bitWidth);
  out[0] = bitWidth;
  out.set(header, 1);
  let o = 1 + header.length;
  let acc = 0;
  let accBits = 0;
  for (let i = 0; i < n; i++) {
    acc |= (indices[i] as number) << accBits;
    accBits += bitWidth;
    while (accBits >= 8) {
      out[o++] = acc & 0xff;
      acc >>>= 8;
      accBits -= 8;
    }
  }
  if (accBits > 0) out[o] = acc & 0xff;
  return out;
}

/** Milliseconds since the epoch, whole, within the range of a JS Date (so every int64 conversion is exact). */
function checkTimestamp(column: ParquetColumn, v: number, row: number): void {
  if (Math.floor(v) !== v || v > 8.64e15 || v < -8.64e15) {
    throw typeError(column, 'whole milliseconds since the epoch within ±8.64e15', v, row);
  }
}

/**
 * Rows[start..end)[index] as ColumnData, each value checked against the column's type (and a missing value
 * against its nullability) as it is copied: how rows given as values reach the one typed append path.
 * `rowBase` is the writer-wide number of rows[start], for error messages.
 */
export function columnOfRows(
  column: ParquetColumn,
  rows: readonly (readonly ParquetValue[])[],
  index: number,
  start: number,
  end: number,
  rowBase: number,
): ColumnData {
  const count = end - start;
  const valid = new Uint8Array(count);
  const kind = columnDataKind(column.type);
  const ints = new Int32Array(kind === 'int32' ? count : 0);
  const doubles = new Float64Array(kind === 'float64' ? count : 0);
  const bools = new Uint8Array(kind === 'boolean' ? count : 0);
  const offsets = new Uint32Array(kind === 'utf8' ? count + 1 : 0);
  let bytes = new Uint8Array(kind === 'utf8' ? count * 16 : 0);
  for (let r = 0; r < count; r++) {
    const v = (rows[start + r] as readonly ParquetValue[])[index];
    const row = rowBase + r;
    if (v === null || v === undefined) {
      if (!column.nullable) throw typeError(column, 'a value (the column is not nullable)', v, row);
      if (kind === 'utf8') offsets[r + 1] = offsets[r] as number;
      continue;
    }
    valid[r] = 1;
    switch (kind) {
      case 'int32':
        if (typeof v !== 'number' || (v | 0) !== v)
          throw typeError(column, 'a whole number in the int32 range', v, row);
        ints[r] = v;
        break;
      case 'float64':
        if (typeof v !== 'number') throw typeError(column, 'a number', v, row);
        if (column.type === 'timestamp_millis') checkTimestamp(column, v, row);
        doubles[r] = v;
        break;
      case 'boolean':
        if (v !== true && v !== false) throw typeError(column, 'a boolean', v, row);
        bools[r] = v ? 1 : 0;
        break;
      default: {
        if (typeof v !== 'string') throw typeError(column, 'a string', v, row);
        const at = offsets[r] as number;
        if (at + v.length * 3 > bytes.length) bytes = growBytes(bytes, at, at + v.length * 3);
        offsets[r + 1] = writeUtf8(v, bytes, at);
      }
    }
  }
  switch (kind) {
    case 'int32':
      return { kind, valid, values: ints };
    case 'float64':
      return { kind, valid, values: doubles };
    case 'boolean':
      return { kind, valid, values: bools };
    default:
      return { kind, valid, offsets, bytes };
  }
}

/** Creates the buffer for one column, sized for one row group. */
export function createColumnBuffer(column: ParquetColumn, capacity: number): ColumnBuffer {
  switch (column.type) {
    case 'int32':
      return new Int32Buffer(column, capacity);
    case 'double':
    case 'timestamp_millis':
      return new Float64Buffer(column, capacity);
    case 'boolean':
      return new BooleanBuffer(column, capacity);
    case 'string':
      return new StringBuffer(column, capacity);
    default:
      throw new Error(
        `parquet: column "${String((column as ParquetColumn).name)}" has type ${JSON.stringify((column as ParquetColumn).type)}, expected one of string, int32, double, boolean, timestamp_millis`,
      );
  }
}
