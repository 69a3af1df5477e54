import { CompactWriter, CT } from './thrift.ts';

/**
 * Parquet's Thrift structures (parquet.thrift) as far as this writer uses them, and their serialisation.
 * Field ids and enum values are the spec's; names follow parquet.thrift so they can be checked against it.
 */

/** Physical types (parquet.thrift `Type`). */
export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
/** Encodings (parquet.thrift `Encoding`). */
export const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
/** Compression codecs (parquet.thrift `CompressionCodec`). */
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2 } as const;
/** Page types (parquet.thrift `PageType`). */
export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
/** Converted types (parquet.thrift `ConvertedType`), kept for readers that predate logical types. */
export const ConvertedType = { UTF8: 0, TIMESTAMP_MILLIS: 9 } as const;

/** One leaf column of the flat schema. */
export interface SchemaLeaf {
  readonly name: string;
  readonly physicalType: number;
  readonly optional: boolean;
  readonly logical?: 'string' | 'timestamp_millis';
}

/** Min/max/null count of one column chunk; min and max are PLAIN-encoded values without a length prefix. */
export interface ChunkStatistics {
  readonly nullCount: number;
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
}

/** What the footer records about one column chunk. */
export interface ChunkMeta {
  readonly leaf: SchemaLeaf;
  readonly codec: number;
  readonly numValues: number;
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  readonly dataPageOffset: number;
  readonly dictionaryPageOffset?: number;
  /** The data page's value encoding: PLAIN or RLE_DICTIONARY. */
  readonly dataEncoding: number;
  readonly statistics: ChunkStatistics;
}

/** What the footer records about one row group. */
export interface RowGroupMeta {
  readonly numRows: number;
  readonly fileOffset: number;
  readonly totalByteSize: number;
  readonly totalCompressedSize: number;
  readonly columns: readonly ChunkMeta[];
}

/** Serialises a v1 data page header (definition levels RLE, no repetition levels). */
export function dataPageHeader(
  uncompressedSize: number,
  compressedSize: number,
  numValues: number,
  encoding: number,
): Uint8Array {
  const w = new CompactWriter();
  w.i32(1, PageType.DATA_PAGE);
  w.i32(2, uncompressedSize);
  w.i32(3, compressedSize);
  w.beginStruct(5);
  w.i32(1, numValues);
  w.i32(2, encoding);
  w.i32(3, Encoding.RLE);
  w.i32(4, Encoding.RLE);
  w.endStruct();
  w.end();
  return w.bytes();
}

/** Serialises a dictionary page header (PLAIN-encoded dictionary, as Arrow and the v2 spec write it). */
export function dictionaryPageHeader(uncompressedSize: number, compressedSize: number, numValues: number): Uint8Array {
  const w = new CompactWriter();
  w.i32(1, PageType.DICTIONARY_PAGE);
  w.i32(2, uncompressedSize);
  w.i32(3, compressedSize);
  w.beginStruct(7);
  w.i32(1, numValues);
  w.i32(2, Encoding.PLAIN);
  w.endStruct();
  w.end();
  return w.bytes();
}

function writeSchemaElement(w: CompactWriter, leaf: SchemaLeaf): void {
  w.beginListStruct();
  w.i32(1, leaf.physicalType);
  w.i32(3, leaf.optional ? 1 : 0);
  w.string(4, leaf.name);
  if (leaf.logical === 'string') {
    w.i32(6, ConvertedType.UTF8);
    w.beginStruct(10);
    w.beginStruct(1); // StringType
    w.endStruct();
    w.endStruct();
  } else if (leaf.logical === 'timestamp_millis') {
    // Arrow sets the converted type too, for readers that predate logical types (ARROW-5878);
    // readers that know logical types take isAdjustedToUTC=false from here and read a local TIMESTAMP.
    w.i32(6, ConvertedType.TIMESTAMP_MILLIS);
    w.beginStruct(10);
    w.beginStruct(8); // TimestampType
    w.bool(1, false);
    w.beginStruct(2); // TimeUnit
    w.beginStruct(1); // MilliSeconds
    w.endStruct();
    w.endStruct();
    w.endStruct();
    w.endStruct();
  }
  w.endStruct();
}

function writeColumnChunk(w: CompactWriter, c: ChunkMeta): void {
  const chunkStart = c.dictionaryPageOffset ?? c.dataPageOffset;
  w.beginListStruct();
  w.i64(2, chunkStart);
  w.beginStruct(3);
  w.i32(1, c.leaf.physicalType);
  const dict = c.dataEncoding === Encoding.RLE_DICTIONARY;
  const encodings = dict ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY] : [Encoding.PLAIN, Encoding.RLE];
  w.beginList(2, CT.I32, encodings.length);
  for (const e of encodings) w.listI32(e);
  w.beginList(3, CT.BINARY, 1);
  w.listString(c.leaf.name);
  w.i32(4, c.codec);
  w.i64(5, c.numValues);
  w.i64(6, c.uncompressedSize);
  w.i64(7, c.compressedSize);
  w.i64(9, c.dataPageOffset);
  if (c.dictionaryPageOffset !== undefined) w.i64(11, c.dictionaryPageOffset);
  w.beginStruct(12);
  w.i64(3, c.statistics.nullCount);
  if (c.statistics.max && c.statistics.min) {
    w.binary(5, c.statistics.max);
    w.binary(6, c.statistics.min);
  }
  w.endStruct();
  // Encoding stats let readers (parquet-java, Trino) trust that every data page is dictionary-encoded.
  w.beginList(13, CT.STRUCT, dict ? 2 : 1);
  if (dict) {
    w.beginListStruct();
    w.i32(1, PageType.DICTIONARY_PAGE);
    w.i32(2, Encoding.PLAIN);
    w.i32(3, 1);
    w.endStruct();
  }
  w.beginListStruct();
  w.i32(1, PageType.DATA_PAGE);
  w.i32(2, c.dataEncoding);
  w.i32(3, 1);
  w.endStruct();
  w.endStruct();
  w.endStruct();
}

/** Serialises the footer's FileMetaData. */
export function fileMetaData(
  leaves: readonly SchemaLeaf[],
  rowGroups: readonly RowGroupMeta[],
  numRows: number,
  createdBy: string,
): Uint8Array {
  const w = new CompactWriter();
  w.i32(1, 2);
  w.beginList(2, CT.STRUCT, leaves.length + 1);
  w.beginListStruct();
  w.string(4, 'schema');
  w.i32(5, leaves.length);
  w.endStruct();
  for (const leaf of leaves) writeSchemaElement(w, leaf);
  w.i64(3, numRows);
  w.beginList(4, CT.STRUCT, rowGroups.length);
  for (const rg of rowGroups) {
    w.beginListStruct();
    w.beginList(1, CT.STRUCT, rg.columns.length);
    for (const c of rg.columns) writeColumnChunk(w, c);
    w.i64(2, rg.totalByteSize);
    w.i64(3, rg.numRows);
    w.i64(5, rg.fileOffset);
    w.i64(6, rg.totalCompressedSize);
    w.endStruct();
  }
  w.string(6, createdBy);
  // TYPE_DEFINED_ORDER for every column: without it, readers ignore min_value/max_value.
  w.beginList(7, CT.STRUCT, leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    w.beginListStruct();
    w.beginStruct(1);
    w.endStruct();
    w.endStruct();
  }
  w.end();
  return w.bytes();
}
