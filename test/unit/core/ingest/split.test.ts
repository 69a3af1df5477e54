import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSplit } from '../../../../core/ingest/split.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'split-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A field written the RFC 4180 way: quoted (quotes doubled) when it holds a delimiter, quote or line break. */
function field(text: string, quoteAlways: boolean): string {
  return quoteAlways || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'a,b', 'line\nbreak', 'crlf\r\nbreak', 'say "hi"', '"', 'é日本', '""'),
);
const csv = fc.record({
  records: fc.array(fc.array(fc.tuple(text, fc.boolean()), { minLength: 1, maxLength: 5 }), {
    minLength: 2,
    maxLength: 40,
  }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
});

let n = 0;
async function fileOf(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${n++}.csv`);
  await writeFile(path, content);
  return path;
}

describe('findSplit', () => {
  it('cuts a well-quoted file at the first record start at or after the target, counting the records before', async () => {
    await fc.assert(
      fc.asyncProperty(csv, fc.double({ min: 0, max: 1, noNaN: true }), async ({ records, crlf, bom }, fraction) => {
        const lines = records.map((cells) => cells.map(([t, q]) => field(t, q)).join(','));
        const eol = crlf ? '\r\n' : '\n';
        const content = `${bom ? '\ufeff' : ''}${lines.join(eol)}${eol}`;
        // Where each record starts, in bytes, from the way the text was put together.
        const starts: number[] = [];
        let at = bom ? 3 : 0;
        for (const line of lines) {
          starts.push(at);
          at += Buffer.byteLength(line + eol);
        }
        const size = at;
        const target = Math.floor(fraction * size);
        const split = await findSplit(await fileOf(content), ',', target);
        const expected = starts.findIndex((start, index) => index >= 2 && start >= target);
        if (expected === -1) {
          expect(split).toBeUndefined();
        } else {
          expect(split).toEqual({ at: starts[expected], headerEnd: starts[1], recordsBefore: expected });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('finds boundaries far into a file, past its 1 MiB read chunks', async () => {
    const line = '"quoted, with a\nline break",plain,"esc ""q"""\n';
    const content = `h1,h2,h3\n${line.repeat(60_000)}`;
    const split = await findSplit(await fileOf(content), ',', 1_500_000);
    const index = Math.ceil((1_500_000 - 9) / line.length);
    expect(split).toEqual({ at: 9 + index * line.length, headerEnd: 9, recordsBefore: index + 1 });
  });

  it('gives up on quoting that is not RFC 4180: a quote inside a bare field, or text after a closing quote', async () => {
    expect(await findSplit(await fileOf('a,b\n5" screen,x\nc,d\ne,f\n'), ',', 10)).toBeUndefined();
    expect(await findSplit(await fileOf('a,b\n"x"y,z\nc,d\ne,f\n'), ',', 10)).toBeUndefined();
    expect(await findSplit(await fileOf('a;b\n"x";"y"\nc;d\ne;f\n'), ';', 10)).toEqual({
      at: 12,
      headerEnd: 4,
      recordsBefore: 2,
    });
  });
});
