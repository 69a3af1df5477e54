/**
 * Folds a header or coded answer for matching (CODEBOOK.md "Matching raw headers"): Unicode NFKD,
 * accents removed, lower case, every run of characters other than letters and digits turned into
 * one space, trimmed. "  HEALTH-care " folds to "health care".
 */
export function fold(text: string): string {
  // The ingest folds several cells of every row, nearly all ASCII, where the Unicode steps change nothing: the
  // letters are A-Z and a-z, the digits 0-9, and a scan of char codes gives the same result without the
  // normalize and regex passes and their intermediate strings. Any non-ASCII character takes the Unicode path.
  const n = text.length;
  let upper = false;
  let space = true;
  let i = 0;
  // The longest prefix that is already in folded shape but for case: words separated by single spaces.
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) space = false;
    else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
      space = false;
    } else if (c === 0x20 && !space) space = true;
    else break;
  }
  if (i === n && !space) return upper ? text.toLowerCase() : text;
  // From the first character out of shape, the words are copied as slices and joined by single spaces.
  let out = i === 0 ? '' : text.slice(0, space ? i - 1 : i);
  let start = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      if (start < 0) start = i;
    } else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
      if (start < 0) start = i;
    } else if (c >= 0x80) return foldUnicode(text);
    else if (start >= 0) {
      out = out === '' ? text.slice(start, i) : `${out} ${text.slice(start, i)}`;
      start = -1;
    }
  }
  if (start >= 0) out = out === '' ? text.slice(start) : `${out} ${text.slice(start)}`;
  return upper ? out.toLowerCase() : out;
}

/** The reference definition of fold, for any text: what fold's ASCII scan must agree with, character for character. */
export function foldUnicode(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
