/**
 * Folds a header or coded answer for matching (CODEBOOK.md "Matching raw headers"): Unicode NFKD,
 * accents removed, lower case, every run of characters other than letters and digits turned into
 * one space, trimmed. "  HEALTH-care " folds to "health care".
 */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
