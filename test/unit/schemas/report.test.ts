import { describe, expect, it } from 'vitest';
import { type Report, ReportSchema } from '../../../schemas/index.ts';

// The example of DESIGN.md "The lake layout", filled in.
const REPORT: Report = {
  valid: false,
  survey: 'uk-se',
  wave: 2023,
  source: { file: 'wave-2023.csv', bytes: 5120, sha256: 'a'.repeat(64), encoding: 'utf-8', delimiter: ',' },
  stats: { rows: 10, valid: 8, rejected: 1, blank: 1, errors: 1, warnings: 1, seconds: 0.12 },
  header: {
    matched: { 'Number of employees': 'employees', Email: 'contact_email' },
    unknown: ['Notes'],
    dropped: ['Email'],
  },
  errors: [{ type: 'type-error', rowNumber: 12, fieldName: 'employees', cell: '-5', message: 'ingest: ...' }],
  warnings: [{ type: 'missing-label', rowNumber: null, message: 'ingest: no column for region' }],
};

describe('ReportSchema', () => {
  it('accepts the report shape of DESIGN.md', () => {
    expect(ReportSchema.parse(REPORT)).toEqual(REPORT);
  });

  it('accepts the optional unchanged and capped flags', () => {
    expect(ReportSchema.safeParse({ ...REPORT, unchanged: true, capped: false }).success).toBe(true);
  });

  it('rejects stats whose rows are not valid + rejected + blank', () => {
    const result = ReportSchema.safeParse({ ...REPORT, stats: { ...REPORT.stats, rows: 11 } });
    expect(result.error?.issues[0]?.message).toBe(
      'schemas: stats.rows must equal valid + rejected + blank (10), got 11',
    );
  });

  it('rejects a header matched to a field no raw file can carry', () => {
    const header = { ...REPORT.header, matched: { Whatever: 'org_id' } };
    expect(ReportSchema.safeParse({ ...REPORT, header }).success).toBe(false);
  });

  it('rejects an issue without a message or with a row number of 0', () => {
    expect(ReportSchema.safeParse({ ...REPORT, errors: [{ type: 'type-error', rowNumber: 3 }] }).success).toBe(false);
    expect(
      ReportSchema.safeParse({ ...REPORT, errors: [{ type: 'type-error', rowNumber: 0, message: 'x' }] }).success,
    ).toBe(false);
  });
});
