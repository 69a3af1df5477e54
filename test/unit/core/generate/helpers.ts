import { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { type GenerateOptions, generateWave, type Truth } from '../../../../core/generate/index.ts';

/** A generated wave held in memory: its bytes, its truth and its records parsed by papaparse. */
export interface Generated {
  readonly bytes: Buffer;
  readonly truth: Truth;
  /** Header first, then one array of cells per data record (papaparse, not the pipeline's reader). */
  readonly table: string[][];
}

/** Generates a wave into memory and parses it back with papaparse in the truth's encoding and delimiter. */
export async function generate(options: GenerateOptions): Promise<Generated> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const truth = await generateWave(options, sink);
  const bytes = Buffer.concat(chunks);
  const text =
    truth.encoding === 'windows-1252' ? iconv.decode(bytes, 'win1252') : bytes.toString('utf8').replace(/^\ufeff/, '');
  // A final line break does not make a record (CODEBOOK.md "Files").
  const body = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  const parsed = Papa.parse<string[]>(body, {
    delimiter: truth.delimiter,
    newline: truth.delimiter === ';' ? '\r\n' : '\n',
    skipEmptyLines: false,
  });
  return { bytes, truth, table: parsed.data };
}

const cache = new Map<string, Promise<Generated>>();

/** generate(), memoised per options within one test file (several tests read the same waves). */
export function generated(options: GenerateOptions): Promise<Generated> {
  const key = JSON.stringify(options);
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = generate(options);
    cache.set(key, hit);
  }
  return hit;
}
