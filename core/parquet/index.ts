export {
  type CodesData,
  type ColumnData,
  columnDataKind,
  growBytes,
  type ParquetColumn,
  type ParquetType,
  type ParquetValue,
  writeUtf8,
} from './column.ts';
export {
  type ParquetCompression,
  type ParquetWriteResult,
  ParquetWriter,
  type ParquetWriterOptions,
  writableSink,
  writeParquetFile,
} from './writer.ts';
