import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrgIdentity, orgId } from '../../../../core/ingest/org-id.ts';

const KEY = 'survey-local-default-key-NOT-FOR-PRODUCTION';

/** orgId as CODEBOOK.md defines it, through node:crypto and the Unicode fold: the independent reference. */
function reference(key: string, identity: OrgIdentity): string | null {
  const compact = (value: string | null | undefined): string =>
    value
      ? value
          .normalize('NFKD')
          .replace(/\p{M}+/gu, '')
          .toLowerCase()
          .replace(/[^\p{L}\p{N}]+/gu, ' ')
          .trim()
          .replace(/ /g, '')
      : '';
  const registration = compact(identity.registrationNumber);
  const name = compact(identity.orgName);
  let subject: string;
  if (registration) subject = `reg:${registration}`;
  else if (name) subject = `name:${name}|${compact(identity.postcode)}`;
  else return null;
  return createHmac('sha256', key).update(subject).digest('hex').slice(0, 16);
}

/** Identity values as cells hold them: blank, missing, ASCII with noise, accents, any Unicode, long names. */
const value = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.constant('  - '),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...'aB9 -.&éÀ\u0301ﬁ①'), maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
);
const identity = fc.record(
  { registrationNumber: value, orgName: value, postcode: value },
  { requiredKeys: [] },
) as fc.Arbitrary<OrgIdentity>;

describe('orgId', () => {
  it('hashes the folded registration number, ignoring case, spaces and punctuation', () => {
    const id = orgId(KEY, { registrationNumber: 'SC 012345' });
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).toBe(createHmac('sha256', KEY).update('reg:sc012345').digest('hex').slice(0, 16));
    expect(orgId(KEY, { registrationNumber: 'sc-012345', orgName: 'Anything' })).toBe(id);
  });

  it('falls back to the folded name and postcode when the registration number is blank', () => {
    const id = orgId(KEY, { registrationNumber: ' ', orgName: 'The Bridge Community C.I.C.', postcode: 'SW1A 1AA' });
    expect(id).toBe(createHmac('sha256', KEY).update('name:thebridgecommunitycic|sw1a1aa').digest('hex').slice(0, 16));
    expect(orgId(KEY, { orgName: 'Coopérative Les Jardins', postcode: null })).toBe(
      createHmac('sha256', KEY).update('name:cooperativelesjardins|').digest('hex').slice(0, 16),
    );
  });

  it('returns null when there is neither a registration number nor a name', () => {
    expect(orgId(KEY, {})).toBeNull();
    expect(orgId(KEY, { registrationNumber: '--', orgName: '  ', postcode: 'SW1A 1AA' })).toBeNull();
  });

  it('hashes a very long name in full, whether ASCII or not', () => {
    for (const name of ['Community '.repeat(20_000), '中华 '.repeat(100_000), `${'a'.repeat(50_000)}é`]) {
      const who = { orgName: name, postcode: 'M1 1AE' };
      expect(orgId(KEY, who)).toBe(reference(KEY, who));
    }
  });

  it('equals the reference for arbitrary identities and keys, the key changing between calls', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(KEY), fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 100 })),
        identity,
        (key, who) => {
          expect(orgId(key, who)).toBe(reference(key, who));
          expect(orgId(KEY, who)).toBe(reference(KEY, who));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
