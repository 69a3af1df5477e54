import { createHmac } from 'node:crypto';
import { fold } from '../../schemas/fold.ts';

/** The identity columns an org_id is derived from; none of them is ever written to the curated table. */
export interface OrgIdentity {
  readonly registrationNumber?: string | null;
  readonly orgName?: string | null;
  readonly postcode?: string | null;
}

/** An identity value folded and stripped of spaces, so "SC 012345" and "sc012345" give the same id. */
function compact(value: string | null | undefined): string {
  return value ? fold(value).replace(/ /g, '') : '';
}

/**
 * The pseudonymous, wave-stable organisation id (CODEBOOK.md): HMAC-SHA256 under `key` of the folded
 * registration number ("reg:<number>"), or, when that is blank, of the folded name and postcode
 * ("name:<name>|<postcode>"); the first 16 hex characters. Null when there is neither a registration number nor
 * a name to identify the organisation by.
 */
export function orgId(key: string, identity: OrgIdentity): string | null {
  const registration = compact(identity.registrationNumber);
  let subject: string;
  if (registration !== '') subject = `reg:${registration}`;
  else {
    const name = compact(identity.orgName);
    if (name === '') return null;
    subject = `name:${name}|${compact(identity.postcode)}`;
  }
  return createHmac('sha256', key).update(subject, 'utf8').digest('hex').slice(0, 16);
}

/**
 * The key `survey demo`, the generator's truth files and the tests use. It is in the source, so anyone can compute
 * ids under it: `survey ingest` never uses it (SURVEY_ORG_KEY, or a key of the local lake's own).
 */
export const DEMO_ORG_KEY = 'survey-local-default-key-NOT-FOR-PRODUCTION';

/**
 * A fingerprint of an org_id key, recorded with each wave: waves whose fingerprints differ have org_ids that
 * cannot be matched. An HMAC under the key of a fixed text, so it tells nothing about the key.
 */
export function orgKeyId(key: string): string {
  return createHmac('sha256', key).update('survey org_id key fingerprint', 'utf8').digest('hex').slice(0, 16);
}
