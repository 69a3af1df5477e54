import { fold } from '../../schemas/fold.ts';
import { HmacSha256 } from './hmac-sha256.ts';

/** The identity columns an org_id is derived from; none of them is ever written to the curated table. */
export interface OrgIdentity {
  readonly registrationNumber?: string | null;
  readonly orgName?: string | null;
  readonly postcode?: string | null;
}

// The subject is assembled as UTF-8 straight into this buffer (grown when needed) and hashed from there, so a row
// costs no intermediate strings: orgId runs once per ingested row.
let subject = new Uint8Array(256);
const encoder = new TextEncoder();

/** Makes room for `size` bytes of subject, keeping what is already written. */
function reserve(size: number): void {
  if (size <= subject.length) return;
  const grown = new Uint8Array(Math.max(size, subject.length * 2));
  grown.set(subject);
  subject = grown;
}

/** Writes the ASCII `text` at `at`; returns the end. */
function writeAscii(text: string, at: number): number {
  reserve(at + text.length);
  for (let i = 0; i < text.length; i++) subject[at++] = text.charCodeAt(i);
  return at;
}

/**
 * Writes an identity value folded and stripped of its spaces, so "SC 012345" and "sc012345" give the same id, as
 * UTF-8 at `at`; returns the end. For ASCII that keeps just the letters, lower-cased, and the digits.
 */
function writeCompact(value: string | null | undefined, at: number): number {
  if (!value) return at;
  reserve(at + value.length);
  const start = at;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) subject[at++] = c;
    else if (c >= 0x41 && c <= 0x5a) subject[at++] = c + 32;
    else if (c >= 0x80) {
      const compact = fold(value).replace(/ /g, '');
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      reserve(start + compact.length * 3);
      return start + encoder.encodeInto(compact, subject.subarray(start)).written;
    }
  }
  return at;
}

/** An org_id function for one key: the key is prepared once, for the many rows of an ingest. */
export function createOrgIdHasher(key: string): (identity: OrgIdentity) => string | null {
  const hmac = new HmacSha256(key);
  return (identity) => {
    let end = writeCompact(identity.registrationNumber, writeAscii('reg:', 0));
    if (end === 4) {
      end = writeCompact(identity.orgName, writeAscii('name:', 0));
      if (end === 5) return null;
      end = writeCompact(identity.postcode, writeAscii('|', end));
    }
    return hmac.hex16(subject, end);
  };
}

// orgId is called per row with the same key: a one-entry cache keeps the prepared key.
let cachedKey: string | undefined;
let cachedHasher: ((identity: OrgIdentity) => string | null) | undefined;

/**
 * The pseudonymous, wave-stable organisation id (CODEBOOK.md): HMAC-SHA256 under `key` of the folded
 * registration number, or, when that is blank, of the folded name and postcode joined by "|"; the first
 * 16 hex characters. Returns null when there is neither a registration number nor a name to identify by.
 */
export function orgId(key: string, identity: OrgIdentity): string | null {
  if (cachedHasher === undefined || key !== cachedKey) {
    cachedHasher = createOrgIdHasher(key);
    cachedKey = key;
  }
  return cachedHasher(identity);
}

/** The local default key: fine for demos and tests, never for production (the CLI warns when it is used). */
export const LOCAL_DEFAULT_ORG_KEY = 'survey-local-default-key-NOT-FOR-PRODUCTION';
