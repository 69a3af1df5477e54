// Where a CSV file can be cut in two so that each part is read by its own thread. A record boundary is a line
// break outside quotes, so the bytes before the cut are scanned once, natively (Buffer.indexOf), for quotes and
// line breaks. The scan only trusts RFC 4180 quoting, which every CSV parser reads alike: a quote opens a field
// only at the field's start and closes it only before a delimiter, a line break or the end; anything else, and
// the file is read by one thread as before. Quotes, delimiters and line breaks are ASCII bytes, which never occur
// inside a multi-byte UTF-8 sequence, and Windows-1252 is one byte a character, so bytes are enough.
import { open } from 'node:fs/promises';
import type { CsvDelimiter } from './detect.ts';

/** A cut of a file into two parts at a record boundary. */
export interface FileSplit {
  /** The byte offset of the first byte of the second part. */
  readonly at: number;
  /** The byte offset just after the header record (what the second part's reader is given as its header). */
  readonly headerEnd: number;
  /** The records, header included, that end before `at`. */
  readonly recordsBefore: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const CHUNK = 1 << 20;

/** The first `byte` in buffer[from..end), or `end`. */
function indexIn(buffer: Buffer, byte: number, from: number, end: number): number {
  const at = buffer.indexOf(byte, from);
  return at === -1 || at >= end ? end : at;
}

/**
 * Finds the first record boundary at or after byte `target` of an LF-terminated CSV file (CRLF included), or
 * undefined when the file's quoting is not plain RFC 4180 before that point, or no boundary follows `target`.
 */
export async function findSplit(path: string, delimiter: CsvDelimiter, target: number): Promise<FileSplit | undefined> {
  const separator = delimiter.charCodeAt(0);
  const handle = await open(path, 'r');
  try {
    // One byte more than is scanned, so the byte after a quote can always be looked at.
    const buffer = Buffer.allocUnsafe(CHUNK + 1);
    let base = 0;
    let inQuotes = false;
    let records = 0;
    let headerEnd = -1;
    // The byte before the current position; a file's start counts as a field's start (after a BOM, if any).
    let previous = LF;
    let skip = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK + 1, base);
      if (bytesRead === 0) return undefined;
      const end = Math.min(bytesRead, CHUNK);
      const last = bytesRead <= CHUNK;
      if (base === 0 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) skip = 3;
      let i = skip;
      skip = 0;
      // Where a field starts with no byte before it in this file: the start, or just after a BOM.
      const fileStart = base === 0 ? i : -1;
      let nextQuote = -1;
      let nextLineBreak = -1;
      while (i < end) {
        if (inQuotes) {
          const quote = buffer.indexOf(QUOTE, i);
          if (quote === -1 || quote >= end) {
            previous = buffer[end - 1]!;
            i = end;
            break;
          }
          const next = quote + 1 < bytesRead ? buffer[quote + 1]! : -1;
          if (next === QUOTE) {
            // An escaped quote: both bytes belong to the field (the second may be the look-ahead byte).
            if (quote + 1 >= end) {
              skip = quote + 2 - end;
              previous = QUOTE;
              i = end;
              break;
            }
            i = quote + 2;
            continue;
          }
          if (next !== separator && next !== LF && next !== CR && !(next === -1 && last)) return undefined;
          inQuotes = false;
          previous = QUOTE;
          i = quote + 1;
          continue;
        }
        // The next quote and line break, each searched for again only once passed (quotes may be rare).
        if (nextQuote < i) nextQuote = indexIn(buffer, QUOTE, i, end);
        if (nextLineBreak < i) nextLineBreak = indexIn(buffer, LF, i, end);
        const q = nextQuote;
        const n = nextLineBreak;
        if (n < q) {
          records++;
          if (headerEnd < 0) headerEnd = base + n + 1;
          previous = LF;
          i = n + 1;
          // A cut needs a data record before it and at least one byte after it.
          if (base + i >= target && records > 1 && i < bytesRead)
            return { at: base + i, headerEnd, recordsBefore: records };
          continue;
        }
        if (q === end) {
          previous = buffer[end - 1]!;
          i = end;
          break;
        }
        const before = q === fileStart ? LF : q > 0 ? buffer[q - 1]! : previous;
        if (before !== separator && before !== LF) return undefined;
        inQuotes = true;
        i = q + 1;
      }
      if (last) return undefined;
      base += end;
    }
  } finally {
    await handle.close();
  }
}
