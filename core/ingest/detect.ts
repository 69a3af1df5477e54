import { isUtf8 } from 'node:buffer';

/** The encodings the ingest reads (CODEBOOK.md "Files"). */
export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'windows-1252';
/** The delimiters the ingest detects (CODEBOOK.md "Files"). */
export type CsvDelimiter = ',' | ';' | '\t';
/** The record terminator handed to papaparse; '\n' also covers CRLF (the reader strips the trailing '\r'). */
export type CsvLineBreak = '\n' | '\r';

/** Files that are recognisably not text, by their first bytes. */
const MAGIC_NUMBERS: readonly (readonly number[])[] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x1f, 0x8b], // gzip
  [0x50, 0x4b, 0x03, 0x04], // ZIP, and so XLSX/ODS
  [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
  [0xd0, 0xcf, 0x11, 0xe0], // OLE2, legacy XLS
];

/** A text CSV holds almost no control bytes; past this share of the sample it is treated as binary. */
const MAX_CONTROL_SHARE = 0.05;
/** Lines of the sample the delimiter is judged on: enough to see consistency, few enough to stay cheap. */
const DELIMITER_SAMPLE_LINES = 50;

/** Detects the encoding of the first bytes of a file: BOM, else valid UTF-8, else Windows-1252. */
export function detectEncoding(sample: Uint8Array): CsvEncoding {
  if (sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8-bom';
  return isUtf8(sample.subarray(0, completeUtf8Length(sample))) ? 'utf-8' : 'windows-1252';
}

/**
 * Length of the sample without a multi-byte character cut at its end, which the
 * sample window (not the file) made incomplete and so must not count as invalid.
 */
function completeUtf8Length(sample: Uint8Array): number {
  const end = sample.length;
  for (let back = 1; back <= 3 && back <= end; back++) {
    const byte = sample[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? end - back : end;
  }
  return end;
}

/** Byte offset of the first sign that the sample is not text (NUL, a known binary signature, many control bytes), else undefined. */
export function findBinaryContent(sample: Uint8Array): number | undefined {
  for (const magic of MAGIC_NUMBERS) {
    if (sample.length >= magic.length && magic.every((byte, i) => sample[i] === byte)) return 0;
  }
  const nul = sample.indexOf(0);
  if (nul !== -1) return nul;
  let controls = 0;
  let first = -1;
  for (let i = 0; i < sample.length; i++) {
    const byte = sample[i]!;
    // Tab, LF, VT, FF and CR occur in text; DOS files may end in SUB (0x1a).
    if ((byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1a)) && byte !== 0) {
      controls++;
      if (first === -1) first = i;
    }
  }
  return controls > 0 && controls > sample.length * MAX_CONTROL_SHARE ? first : undefined;
}

/** True when the sample starts with a UTF-16 byte-order mark (a text file, but not one the ingest reads). */
export function isUtf16(sample: Uint8Array): boolean {
  return (
    sample.length >= 2 && ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff))
  );
}

/** Per-line counts of each candidate delimiter outside quotes, plus the record terminator seen. */
interface LineScan {
  readonly counts: number[][]; // counts[line] = [comma, semicolon, tab]
  readonly lineBreak: CsvLineBreak;
}

/** Splits the sample into lines (outside quotes) and counts candidates on each; a line cut by the sample end is dropped. */
function scanLines(text: string): LineScan {
  const counts: number[][] = [];
  let comma = 0;
  let semicolon = 0;
  let tab = 0;
  let inQuotes = false;
  let sawLf = false;
  let sawCr = false;
  let lineHasText = false;
  for (let i = 0; i < text.length && counts.length < DELIMITER_SAMPLE_LINES; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      inQuotes = !inQuotes; // a doubled quote toggles twice: still inside
      lineHasText = true;
    } else if (inQuotes) {
    } else if (c === 0x0a || c === 0x0d) {
      if (c === 0x0a) sawLf = true;
      // A CR is a terminator of its own only if a character other than LF follows (the sample may end between CR and LF).
      else if (i + 1 < text.length && text.charCodeAt(i + 1) !== 0x0a) sawCr = true;
      if (lineHasText) counts.push([comma, semicolon, tab]);
      comma = 0;
      semicolon = 0;
      tab = 0;
      lineHasText = false;
    } else {
      lineHasText = true;
      if (c === 0x2c) comma++;
      else if (c === 0x3b) semicolon++;
      else if (c === 0x09) tab++;
    }
  }
  // The last line is complete only when nothing else was seen (a one-line sample); otherwise it may be cut.
  if (lineHasText && !inQuotes && counts.length === 0) counts.push([comma, semicolon, tab]);
  return { counts, lineBreak: sawCr && !sawLf ? '\r' : '\n' };
}

const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t'];

/**
 * Detects the delimiter among ',', ';' and tab: counts each outside quotes on the
 * first lines and picks the one whose count is the same non-zero number on every
 * line (the most frequent such), else the one most often matching the header's count.
 */
export function detectDelimiter(sampleText: string): CsvDelimiter {
  const { counts } = scanLines(sampleText);
  let best: CsvDelimiter = ',';
  let bestScore = -1;
  let bestPerLine = 0;
  CANDIDATES.forEach((candidate, k) => {
    const header = counts[0]?.[k] ?? 0;
    if (header === 0) return;
    let agreeing = 0;
    for (const line of counts) if (line[k] === header) agreeing++;
    const score = agreeing / counts.length;
    if (score > bestScore || (score === bestScore && header > bestPerLine)) {
      best = candidate;
      bestScore = score;
      bestPerLine = header;
    }
  });
  return best;
}

/** Detects the record terminator: '\r' only for old Mac files that have no LF at all outside quotes. */
export function detectLineBreak(sampleText: string): CsvLineBreak {
  return scanLines(sampleText).lineBreak;
}
