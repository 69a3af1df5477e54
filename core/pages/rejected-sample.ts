import type { Readable } from 'node:stream';
import Papa from 'papaparse';

/** The first rows of rejected.csv, as the report page shows them. */
export interface RejectedSample {
  /** The file's own columns shown (identity and contact columns left out). */
  readonly columns: readonly string[];
  readonly rows: readonly {
    /** The row's number in the uploaded file (the header is row 1). */
    readonly row: number;
    /** Why it was rejected: the messages, " | " between them. */
    readonly errors: string;
    readonly cells: readonly string[];
  }[];
}

/** Options of {@link readRejectedSample}. */
export interface RejectedSampleOptions {
  /** Rows to read. @default 20 */
  readonly limit?: number;
  /** Columns never shown: the report's header.dropped (names, registration numbers, postcodes, contacts). */
  readonly hide?: readonly string[];
  /** Bytes read at most, however long the rows. @default 4 MiB */
  readonly maxBytes?: number;
}

/**
 * Reads the first rows of a rejected.csv stream (its columns, then `_row` and `_errors`) and stops: the file may
 * hold a million rows, the page shows a few. The stream is destroyed once enough has been read.
 */
export async function readRejectedSample(
  input: Readable,
  options: RejectedSampleOptions = {},
): Promise<RejectedSample> {
  const limit = options.limit ?? 20;
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let bytes = 0;
  let records: string[][] = [];
  let complete = true;
  try {
    for await (const chunk of input) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
      bytes += buffer.length;
      text += decoder.decode(buffer, { stream: true });
      records = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
      // The header, `limit` rows, and one more that shows the last of them is complete.
      if (records.length >= limit + 2 || bytes >= maxBytes) {
        complete = false;
        break;
      }
    }
    if (complete) records = Papa.parse<string[]>(text + decoder.decode(), { skipEmptyLines: true }).data;
  } finally {
    input.destroy();
  }
  const [header = [], ...body] = records;
  const names = header.map((name, i) => (i === 0 ? name.replace(/^\ufeff/, '') : name));
  const rowAt = names.lastIndexOf('_row');
  const errorsAt = names.lastIndexOf('_errors');
  const hidden = new Set(options.hide ?? []);
  const shown = names.map((_name, i) => i).filter((i) => i !== rowAt && i !== errorsAt && !hidden.has(names[i]!));
  const rows = (complete ? body : body.slice(0, -1)).slice(0, limit).map((cells) => ({
    row: Number(cells[rowAt] ?? Number.NaN),
    errors: cells[errorsAt] ?? '',
    cells: shown.map((i) => cells[i] ?? ''),
  }));
  return { columns: shown.map((i) => names[i]!), rows };
}
