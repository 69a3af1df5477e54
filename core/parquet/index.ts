export type { ParquetColumn, ParquetType, ParquetValue } from './column.ts';
export {
  type ParquetCompression,
  type ParquetWriteResult,
  ParquetWriter,
  type ParquetWriterOptions,
  writableSink,
  writeParquetFile,
} from './writer.ts';
