// `survey export` as a department runs it: the real command in a child process, over a small fixture lake
// whose suppression pattern is worked out by hand below.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureRecord, record, writeLake } from './queries-lake.ts';

function survey(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/survey.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

/** `count` organisations of a sector, the first `spinouts` of them spin-outs, each with a turnover of 1,000. */
function sector(sector: string, count: number, spinouts: number): FixtureRecord[] {
  return Array.from({ length: count }, (_, i) =>
    record({ org_id: `${sector}-${i}`, sector, is_spinout: i < spinouts, turnover: 1000 }),
  );
}

let lake: string;
let out: string;
beforeAll(async () => {
  const health = sector('health', 10, 6);
  // One organisation holds nearly all the health sector's turnover: the p% rule must hide that total.
  health[0] = { ...health[0]!, turnover: 1_000_000 };
  lake = await writeLake([...health, ...sector('youth', 7, 5), ...sector('housing', 8, 3), ...sector('=cmd', 6, 6)]);
  out = mkdtempSync(join(tmpdir(), 'export-cli-'));
});

afterAll(() => {
  for (const dir of [lake, out]) rmSync(dir, { recursive: true, force: true });
});

const bySector = ['export', 'spinouts_by_sector', '--param', 'survey=uk-se', '--param', 'wave=2023'];

describe('survey export', () => {
  it('hides a count of 3, the smallest other count of its column that can carry its protection, and the shares over them', () => {
    const file = join(out, 'spinouts.csv');
    const { code, out: stdout, err } = survey(...bySector, '--out', file, '--lake', lake);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(
      'cells suppressed: threshold 2, dominance 0, revision 0, linked 0, secondary 2, earlier release 0',
    );
    expect(stdout).toContain(file);
    expect(stdout).toContain(join(out, 'datapackage.json'));
    expect(stdout).toMatch(/ledger: {7}.*exports\/_ledger\/survey=uk-se\/.*-spinouts_by_sector-[0-9a-f]{8}\.json/);
    // housing's 3 spin-outs (threshold) and its share (a numerator of 3); youth's 5, the smallest other count,
    // which can fall by 2 so that housing's could be 5 (secondary), and its share, which would give it back
    // (share × organisations = spin-outs); the formula-like sector name neutralised. The rows are in sector order,
    // not the query's spin-outs order, which would rank youth's hidden count above housing's.
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '\uFEFFsector,organisations,spinouts,spinout_share',
        "'=cmd,6,6,1",
        'health,10,6,0.6',
        'housing,8,[c],[c]',
        'youth,7,[c],[c]',
        'Total,31,20,0.6452',
        '',
      ].join('\r\n'),
    );
  });

  it('hides a dominated total and the Total it dominates with the p% rule', () => {
    const file = join(out, 'profile.json');
    const { code, out: stdout } = survey(
      'export',
      'sector_profile',
      '--param',
      'survey=uk-se',
      '--param',
      'wave=2023',
      '--out',
      file,
      '--lake',
      lake,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      'cells suppressed: threshold 0, dominance 2, revision 0, linked 0, secondary 0, earlier release 0',
    );
    const rows = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    const health = rows.find((r) => r.sector === 'health')!;
    expect(health.turnover_total).toBeNull();
    expect(health._status).toEqual({ employees_total: 'x', median_employees: 'x', turnover_total: 'c' });
    expect(rows.at(-1)).toMatchObject({ sector: 'Total', turnover_total: null, organisations: 31 });
    expect(rows.find((r) => r.sector === 'youth')?.turnover_total).toBe(7000);
  });

  it('leaves the Total row out when asked, with the suppression pattern the table has with it', () => {
    const file = join(out, 'no-total.csv');
    const { code } = survey(...bySector, '--out', file, '--lake', lake, '--no-total');
    expect(code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('Total');
    expect(text).toContain('youth,7,[c],[c]');
    expect(text).toContain('housing,8,[c],[c]');
    const described = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8')).resources.find(
      (r: { name: string }) => r.name === 'no-total.csv',
    );
    expect(described.provenance.disclosureControl.settings).toMatchObject({ threshold: 5, p: 10, totalRow: false });
  });

  it('refuses a request that relaxes the deployment, and a deployment under the floors, in one line', () => {
    const file = join(out, 'lax.csv');
    const lax = survey(...bySector, '--out', file, '--lake', lake, '--threshold', '3');
    expect(lax.code).toBe(2);
    expect(lax.err.trim()).toBe(
      "survey: disclosure: threshold 3 is laxer than the deployment's 5; a request may only make the rules stricter",
    );
    const run = spawnSync(process.execPath, ['bin/survey.js', ...bySector, '--out', file, '--lake', lake], {
      encoding: 'utf8',
      env: { ...process.env, SURVEY_DISCLOSURE_THRESHOLD: '2' },
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/threshold must be a whole number from 3 to 1000, got 2/);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses an unknown format in one line and writes nothing', () => {
    const folder = mkdtempSync(join(tmpdir(), 'export-none-'));
    try {
      const { code, out: stdout, err } = survey(...bySector, '--out', join(folder, 'spinouts.txt'), '--lake', lake);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/unknown format "txt".*expected \.csv, \.xlsx or \.json/);
      expect(readdirSync(folder)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses an unknown query, a bad threshold and a missing --out in one line each', () => {
    const unknown = survey('export', 'no_such_query', '--out', join(out, 'x.csv'), '--lake', lake);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown saved query "no_such_query"/);
    const bad = survey(...bySector, '--out', join(out, 'x.csv'), '--threshold', 'two', '--lake', lake);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--threshold must be a whole number, got "two"/);
    const missing = survey(...bySector, '--lake', lake);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing --out/);
    expect(existsSync(join(out, 'x.csv'))).toBe(false);
  });
});
