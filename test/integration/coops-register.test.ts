import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, openCsv } from '../../core/ingest/read-csv.ts';

// The Co-operatives UK 2016 open data sits in the shared data folder, a sibling of the repository.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = resolve(repoRoot, '../shared/data/coops-uk-2016');
const organisations = resolve(dataDir, '2016open_data_organisations.csv');
const economy = resolve(dataDir, '2016open_data_economy_final.csv');

/** A minimal RFC 4180 scanner, independent of papaparse: CRLF or LF record ends, "" escapes, quoted line breaks. */
function scanRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && cell === '') {
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close === -1) throw new Error(`scanner: unterminated quote at ${i}`);
        cell += text.slice(i, close);
        if (text[close + 1] === '"') {
          cell += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
    } else if (c === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      i++;
    } else if (c === '\n') {
      row.push(cell);
      records.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
      i++;
    }
  }
  if (cell !== '' || row.length > 0) records.push([...row, cell]);
  return records;
}

async function readAll(
  path: string,
): Promise<{ header: string[]; records: CsvRecord[]; sha256: string; bytes: number }> {
  const reader = await openCsv(createReadStream(path));
  expect(reader.encoding).toBe('utf-8');
  expect(reader.delimiter).toBe(',');
  const records: CsvRecord[] = [];
  for await (const batch of reader.records()) records.push(...batch);
  const source = reader.summary();
  expect(source.decodeErrors).toBe(0);
  expect(records.filter((record) => record.quoteError !== undefined)).toEqual([]);
  return { header: [...reader.header], records, sha256: source.sha256, bytes: source.bytes };
}

const hasLineBreak = (cell: string): boolean => cell.includes('\n') || cell.includes('\r');

describe('the Co-operatives UK 2016 register', () => {
  it('reads 8,037 organisation records whose 5,076 multi-line fields keep their line breaks intact', async () => {
    const raw = await readFile(organisations);
    const { header, records, sha256, bytes } = await readAll(organisations);

    expect(header).toHaveLength(26);
    expect(header[0]).toBe('CUK Organisation ID');
    expect(records).toHaveLength(8037);
    expect(records[0]?.rowNumber).toBe(2);
    expect(records.at(-1)?.rowNumber).toBe(8038);
    expect(records.every((record) => record.cells.length === 26)).toBe(true);

    const multiLine = records.flatMap((record) => record.cells.filter(hasLineBreak));
    expect(multiLine).toHaveLength(5076);
    // Line breaks inside fields are LF; the CRLF record ends leave no CR behind.
    expect(multiLine.some((cell) => cell.includes('\r'))).toBe(false);
    const innerBreaks = multiLine.reduce((n, cell) => n + cell.split('\n').length - 1, 0);
    expect(innerBreaks).toBe(6079);

    // Cell for cell the same as an independent scanner over the same bytes.
    const scanned = scanRfc4180(raw.toString('utf-8'));
    expect(scanned[0]).toEqual(header);
    expect(records.map((record) => record.cells)).toEqual(scanned.slice(1));

    expect(bytes).toBe(raw.length);
    expect(sha256).toBe(createHash('sha256').update(raw).digest('hex'));
  });

  it('agrees with DuckDB on the record count and the fields that hold a line break', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const { records } = await readAll(organisations);
      const result = await connection.runAndReadAll(
        `select count(*)::integer as records,
                count(*) filter (where "Registered Street" like '%' || chr(10) || '%')::integer as multi_line
         from read_csv('${organisations.replaceAll("'", "''")}', all_varchar = true, header = true)`,
      );
      const [duck] = result.getRowObjectsJS() as { records: number; multi_line: number }[];
      expect(duck?.records).toBe(records.length);
      expect(duck?.multi_line).toBe(records.filter((record) => record.cells.some(hasLineBreak)).length);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('reads the 32,292 records of the economy file', async () => {
    const raw = await readFile(economy);
    const { header, records, sha256 } = await readAll(economy);
    expect(header).toHaveLength(10);
    expect(records).toHaveLength(32292);
    expect(records.every((record) => record.cells.length === 10)).toBe(true);
    expect(records.map((record) => record.cells)).toEqual(scanRfc4180(raw.toString('utf-8')).slice(1));
    expect(sha256).toBe(createHash('sha256').update(raw).digest('hex'));
  });
});
