export type { ParquetColumn, ParquetType, ParquetValue } from './column.ts';
export {
  type ParquetCompression,
  type ParquetWriteResult,
  ParquetWriter,
  type ParquetWriterOptions,
  writeParquetFile,
} from './writer.ts';
