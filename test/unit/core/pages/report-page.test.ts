import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readRejectedSample, renderReportPage } from '../../../../core/pages/index.ts';
import type { Issue, Report } from '../../../../schemas/index.ts';

const issue = (type: string, rowNumber: number | null, fieldName?: string, cell?: string): Issue => ({
  type,
  rowNumber,
  ...(fieldName ? { fieldName } : {}),
  ...(cell === undefined ? {} : { cell }),
  message: `ingest: ${fieldName ?? 'row'} problem ${type} got "${cell ?? ''}" (row ${rowNumber})`,
});

const ERRORS: Issue[] = [
  issue('type-error', 4, 'sector', 'Spaceflight'),
  issue('duplicate-row', 5, 'org_id', 'abc'),
  issue('type-error', 7, 'sector', '<b>bold</b>'),
  issue('constraint-error', 7, 'employees', '-5'),
  issue('extra-cell', 9),
  issue('type-error', 11, 'is_spinout', 'Perhaps'),
];

const REPORT: Report = {
  valid: false,
  survey: 'uk-se',
  wave: 2023,
  source: { file: 'wave.csv', bytes: 12345, sha256: 'a'.repeat(64), encoding: 'utf-8', delimiter: ',' },
  stats: { rows: 20, valid: 12, rejected: 5, blank: 3, errors: 6, warnings: 1, seconds: 0.5 },
  header: {
    matched: {
      'Primary sector of activity': 'sector',
      'Number of employees': 'employees',
      'Organisation name': 'org_name',
      Email: 'contact_email',
    },
    unknown: ['Notes'],
    dropped: ['Organisation name', 'Email'],
  },
  errors: ERRORS,
  warnings: [issue('type-error', 3, 'region', 'Atlantis')],
};

const REJECTED = [
  '\ufeffPrimary sector of activity,Number of employees,Organisation name,Email,Notes,_row,_errors',
  'Spaceflight,3,Acme Ltd,ceo@acme.example,"multi\nline",4,ingest: sector bad',
  '"<img src=x onerror=alert(1)>",-5,Beta CIC,b@beta.example,,7,ingest: sector bad | ingest: employees bad',
  'health,2,Gamma,g@gamma.example,,9,ingest: row has 8 cells',
  'health,2,Delta,d@delta.example,,11,ingest: is_spinout bad',
].join('\r\n');

describe('the report page', () => {
  it('opens with the counts: rows = valid + rejected + blank', async () => {
    const page = await renderReportPage(REPORT);
    for (const [name, value] of [
      ['rows', '20'],
      ['valid', '12'],
      ['rejected', '5'],
      ['blank', '3'],
    ]) {
      expect(page).toMatch(new RegExp(`<li data-count="${name}"><span class="figure">${value}</span>`));
    }
    expect(page).toContain('5 rows rejected');
  });

  it('says what to fix per kind of problem and field, the most frequent first and duplicates last', async () => {
    const page = await renderReportPage(REPORT);
    const items = [...page.matchAll(/<li data-type="([^"]+)" data-field="([^"]+)">/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(items).toEqual([
      'type-error sector',
      // Ties by field name.
      'extra-cell (whole row)',
      'constraint-error employees',
      'type-error is_spinout',
      'duplicate-row org_id',
    ]);
    expect(page).toMatch(/<code>sector<\/code> \(column “Primary sector of activity”\): 2 errors of type/);
    expect(page).toMatch(/rows 4, 7; “<code>Spaceflight<\/code>”, “<code>&lt;b&gt;bold&lt;\/b&gt;<\/code>”/);
  });

  it('draws one bar segment per field and type of error, and names each for screen readers', async () => {
    const page = await renderReportPage(REPORT);
    const bars = [...page.matchAll(/aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar"/g)];
    expect(bars.map((m) => m[1]).sort()).toEqual(
      [
        'sector, type-error: 2 errors',
        'org_id, duplicate-row: 1 error',
        'employees, constraint-error: 1 error',
        '(whole row), extra-cell: 1 error',
        'is_spinout, type-error: 1 error',
      ].sort(),
    );
    expect(page).toMatch(
      /<svg role="img" aria-labelledby="errors-chart-title" aria-describedby="errors-chart-desc errors-table"/,
    );
  });

  it('lists the first rejected rows with their reasons, leaving out identity and contact columns', async () => {
    const rejectedSample = await readRejectedSample(Readable.from([REJECTED]), {
      hide: REPORT.header.dropped,
      limit: 3,
    });
    expect(rejectedSample.columns).toEqual(['Primary sector of activity', 'Number of employees', 'Notes']);
    expect(rejectedSample.rows.map((r) => r.row)).toEqual([4, 7, 9]);
    const page = await renderReportPage(REPORT, { rejectedSample });
    const table = page.slice(page.indexOf('<table id="rejected-table">'));
    expect(table).toContain('sector bad | employees bad');
    expect(table).toContain('multi\nline');
    expect(table).toContain('&lt;img src=x onerror=alert(1)&gt;');
    for (const secret of ['Acme Ltd', 'ceo@acme.example', 'Beta CIC']) expect(page).not.toContain(secret);
    expect(page).not.toContain('<img');
  });

  it('lists the rejected rows from the report itself when there is no rejected.csv', async () => {
    const page = await renderReportPage(REPORT);
    const rows = [...page.matchAll(/<th scope="row" data-row="(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows).toEqual([4, 5, 7, 9, 11]);
  });

  it('says a clean file passed, with nothing to fix and no chart', async () => {
    const clean: Report = {
      ...REPORT,
      valid: true,
      stats: { ...REPORT.stats, valid: 17, rejected: 0, errors: 0 },
      errors: [],
    };
    const page = await renderReportPage(clean);
    expect(page).toContain('<span class="verdict ok">every row passed</span>');
    expect(page).toContain('<p>Nothing: no row was rejected.</p>');
    expect(page).not.toContain('<svg');
    expect(page).toContain('<p>No row was rejected.</p>');
  });

  it('says when the lists of problems were cut short, and that the counts are complete', async () => {
    const page = await renderReportPage({ ...REPORT, capped: true });
    expect(page).toContain('The report lists the first 6 errors and 1 warnings; the counts above are complete.');
  });
});

describe('the sample of rejected.csv', () => {
  it('reads only the first rows of a long file and lets go of it', async () => {
    let pulled = 0;
    const lines = function* () {
      yield 'a,b,_row,_errors\r\n';
      for (let row = 2; row < 1_000_000; row++) {
        pulled++;
        yield `x${row},y,${row},ingest: bad\r\n`;
      }
    };
    const input = Readable.from(lines());
    const sample = await readRejectedSample(input, { limit: 5 });
    expect(sample.rows.map((r) => r.row)).toEqual([2, 3, 4, 5, 6]);
    expect(sample.rows[0]).toEqual({ row: 2, errors: 'ingest: bad', cells: ['x2', 'y'] });
    expect(pulled).toBeLessThan(20);
    expect(input.destroyed).toBe(true);
  });

  it('gives all the rows of a short file, its byte-order mark removed', async () => {
    const sample = await readRejectedSample(Readable.from([Buffer.from('\ufeffa,_row,_errors\r\n1,2,e\r\n')]));
    expect(sample).toEqual({ columns: ['a'], rows: [{ row: 2, errors: 'e', cells: ['1'] }] });
  });
});
