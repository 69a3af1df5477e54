import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-invariant-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Counts the records of CSV text after its header, by an RFC 4180 scan written for this test. */
function countRecords(text: string): number {
  let records = 0;
  let inQuotes = false;
  let sawAny = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') i++;
      else if (c === '"') inQuotes = false;
      continue;
    }
    if (c === '"') {
      inQuotes = true;
      sawAny = true;
    } else if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      records++;
      sawAny = false;
    } else if (c !== '\r') sawAny = true;
  }
  if (sawAny) records++;
  return records - 1; // the header
}

const REQUIRED = ['Organisation name', 'Legal form', 'Spun out of the public sector?', 'Main sector'];
const OPTIONAL = [
  'Respondent ID',
  'Postcode',
  'Year of spin-out',
  'Number of employees',
  'Annual turnover',
  'Submitted',
  'Notes',
];
const VALUES = [
  '',
  ' ',
  'CIC',
  'yes',
  'no',
  'n/a',
  'Health',
  'Care',
  '2012',
  'FY2014',
  '-5',
  '£1.2m',
  '12,500',
  'Acme',
  'Acme',
  'x"y',
  'a,b',
  'line\nbreak',
  '01/03/2023',
  '2023-02-30',
  '=1+1',
  'é€',
];

const cell = fc
  .constantFrom(...VALUES)
  .map((value) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value));
const row = fc
  .array(cell, { minLength: 0, maxLength: REQUIRED.length + OPTIONAL.length + 2 })
  .map((cells) => cells.join(','));

describe('every row of arbitrary CSV text is accounted for', () => {
  it('rows = valid + rejected + blank, and rows is the number of records, or the file is refused whole', async () => {
    let run = 0;
    let ingested = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .shuffledSubarray(OPTIONAL)
          .chain((optional) =>
            fc.shuffledSubarray([...REQUIRED, ...optional], { minLength: REQUIRED.length + optional.length }),
          ),
        fc.array(row, { minLength: 0, maxLength: 25 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        async (header, rows, newline, finalNewline) => {
          const text = [header.join(','), ...rows].join(newline) + (finalNewline ? newline : '');
          const storage = new LocalStorage(join(dir, `lake-${run++}`));
          const result = await ingestWave({
            storage,
            input: Readable.from([Buffer.from(text)]),
            survey: 'uk-se',
            wave: 2023,
            sourceFile: 'arbitrary.csv',
            orgKey: 'k',
          });
          if (result.outcome === 'refused') {
            // A whole-file refusal is allowed (no data rows, ...): one line, a report saying why, no wave.
            expect(result.refusal?.reason.split('\n')).toHaveLength(1);
            const written = await storage.list('');
            expect(written.filter((key) => !/\/(refused|attempts)\/[^/]+\.json$/.test(key))).toEqual([]);
            expect(written.some((key) => key === result.refusal?.report)).toBe(true);
            return;
          }
          const s = result.report!.stats;
          expect(s.rows).toBe(s.valid + s.rejected + s.blank);
          expect(s.rows).toBe(countRecords(text));
          const pointer = await storage.getText('curated/survey=uk-se/wave=2023/_current.json');
          expect(JSON.parse(pointer ?? '{}').rows).toBe(s.valid);
          ingested++;
        },
      ),
      { numRuns: 120 },
    );
    // Most cases must get past the header, or the property would say little.
    expect(ingested).toBeGreaterThan(60);
  });
});
