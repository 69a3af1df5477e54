import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { ParquetColumn, ParquetValue } from '../../../../core/parquet/index.ts';

/** One column of every type the writer supports, nullable, with a dictionary one and a required one. */
export const ALL_TYPES: readonly ParquetColumn[] = [
  { name: 's', type: 'string', nullable: true },
  { name: 'code', type: 'string', nullable: true, dictionary: true },
  { name: 'i', type: 'int32', nullable: true },
  { name: 'f', type: 'double', nullable: true },
  { name: 'b', type: 'boolean', nullable: true },
  { name: 't', type: 'timestamp_millis', nullable: true },
  { name: 'req', type: 'int32', nullable: false },
];

/** Reads a Parquet file with hyparquet (a reader independent of ours) into rows of plain values in column order. */
export async function readWithHyparquet(path: string, columns: readonly ParquetColumn[]): Promise<ParquetValue[][]> {
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const objects = await parquetReadObjects({
    file,
    compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
    // Timestamps as epoch milliseconds, to compare with what was written.
    parsers: { timestampFromMilliseconds: (ms: bigint | number) => Number(ms) },
  });
  return objects.map((o) => columns.map((c) => o[c.name] as ParquetValue));
}

/** The footer as hyparquet decodes it. */
export async function metadataWithHyparquet(path: string): Promise<ReturnType<typeof parquetMetadata>> {
  const bytes = await readFile(path);
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
