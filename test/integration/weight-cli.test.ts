// `survey weight` end to end through the real command (bin/survey.js): generate a wave and its frame, ingest,
// weight, query; bad input refused in one line with nothing written; a wave ingested again needs weighting again.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'weight-cli-'));
const lake = join(dir, 'lake');
const frame = join(dir, 'frame.csv');
const weightsFile = join(lake, 'weights', 'survey=uk-se', 'wave=2023', 'weights.parquet');
const reportFile = join(lake, 'weights', 'survey=uk-se', 'wave=2023', '_weights.json');

function survey(...args: string[]) {
  const env = { ...process.env };
  delete env.SURVEY_ORG_KEY;
  return spawnSync(process.execPath, ['bin/survey.js', ...args], { encoding: 'utf8', env });
}

/** Runs a command that must succeed, returning its standard output. */
function ok(...args: string[]): string {
  const run = survey(...args);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** Runs a command that must fail with one line on stderr, returning that line. */
function refused(...args: string[]): { line: string; status: number | null } {
  const run = survey(...args);
  expect(run.status).not.toBe(0);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '' && !line.includes('SURVEY_ORG_KEY'));
  expect(lines).toHaveLength(1);
  return { line: lines[0]!, status: run.status };
}

const WAVE = ['--survey', 'uk-se', '--wave', '2023', '--lake', lake];

beforeAll(() => {
  ok(
    'generate',
    '--survey',
    'uk-se',
    '--wave',
    '2023',
    '--rows',
    '900',
    '--seed',
    '3',
    '--out',
    join(dir, 'a.csv'),
    '--frame',
    frame,
  );
  ok('ingest', join(dir, 'a.csv'), ...WAVE);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('survey weight', () => {
  it('weights a wave to its frame, reports how, and the weighted queries then answer', () => {
    const out = ok('weight', ...WAVE, '--frame', frame);
    expect(out).toMatch(/^weighted uk-se wave 2023 to frame\.csv: [\d,]+ organisations in \d+ cells/);
    expect(out).toMatch(/raking +converged in \d+ passes/);
    expect(out).toMatch(/design effect of weighting \(Kish\) \d\.\d{3}/);
    expect(out).toMatch(/JK1 delete-a-group jackknife, 100 random groups/);
    expect(existsSync(weightsFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report).toMatchObject({ survey: 'uk-se', wave: 2023, converged: true, replicates: 100, bounds: [0.2, 5] });
    expect(report.parquetRows).toBe(report.weighted * 101);
    expect(report.frame.sha256).toMatch(/^[0-9a-f]{64}$/);

    const rows = JSON.parse(
      ok(
        'query',
        'sector_estimates',
        '--param',
        'survey=uk-se',
        '--param',
        'wave=2023',
        '--lake',
        lake,
        '--format',
        'json',
      ),
    );
    expect(rows.length).toBeGreaterThan(8);
    const total = rows.reduce(
      (sum: number, row: { organisations_estimate: number }) => sum + row.organisations_estimate,
      0,
    );
    expect(total).toBeCloseTo(report.frame.organisations, 3);
    for (const name of ['spinout_estimates', 'growth_estimates']) {
      const result = JSON.parse(
        ok('query', name, '--param', 'survey=uk-se', '--param', 'wave=2023', '--lake', lake, '--format', 'json'),
      );
      expect(result.length).toBeGreaterThan(3);
    }
  });

  it('prints the report as JSON, the one it writes beside the weights', () => {
    const report = JSON.parse(ok('weight', ...WAVE, '--frame', frame, '--json'));
    expect(report.key).toBe('weights/survey=uk-se/wave=2023/weights.parquet');
    expect(report.method).toMatch(/^JK1/);
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(report);
  });

  it('calibrates a category together with another when told to, and says so', () => {
    const out = ok(
      'weight',
      ...WAVE,
      '--frame',
      frame,
      '--merge',
      'region:TLN=TLM',
      '--merge',
      'size_band:250+=50-249',
    );
    expect(out).toMatch(/merged +region TLN into TLM; size band 250\+ into 50-249/);
    ok('weight', ...WAVE, '--frame', frame);
  });

  it('lists the weighted queries among the saved queries', () => {
    const out = ok('queries');
    for (const name of ['sector_estimates', 'spinout_estimates', 'growth_estimates']) expect(out).toContain(name);
  });

  it('refuses bad input in one line and writes nothing', () => {
    const before = readFileSync(weightsFile);
    expect(refused('weight', ...WAVE, '--frame', join(dir, 'missing.csv')).line).toMatch(
      /^survey: weight: cannot read the frame ".*missing\.csv": no such file$/,
    );
    const unknown = join(dir, 'unknown.csv');
    writeFileSync(unknown, `${readFileSync(frame, 'utf8')}TLZ,cic,0,4\n`);
    expect(refused('weight', ...WAVE, '--frame', unknown).line).toMatch(/unknown region "TLZ" for survey uk-se/);
    const london = join(dir, 'london.csv');
    const lines = readFileSync(frame, 'utf8').split('\n');
    writeFileSync(london, [lines[0], ...lines.slice(1).filter((line) => line.startsWith('TLI,'))].join('\n'));
    expect(refused('weight', ...WAVE, '--frame', london).line).toMatch(
      /^survey: weight: the wave has \d+ weighted row\(s\) in region=\w+ but the frame has no organisations there$/,
    );
    expect(refused('weight', ...WAVE, '--frame', frame, '--bounds', '2,3').line).toMatch(/--bounds must be low,high/);
    expect(refused('weight', ...WAVE, '--frame', frame, '--replicates', '1').line).toMatch(/--replicates must be/);
    expect(refused('weight', ...WAVE, '--frame', frame, '--merge', 'region:TLN').line).toMatch(
      /--merge must be margin:CODE=INTO/,
    );
    expect(refused('weight', ...WAVE, '--frame', frame, '--merge', 'region:TLN=TLZ').line).toMatch(
      /cannot merge region=TLZ: not a code of survey uk-se$/,
    );
    expect(refused('weight', '--survey', 'uk-se', '--wave', '2021', '--lake', lake, '--frame', frame).line).toMatch(
      /has no ingested rows in wave 2021; ingest the wave first$/,
    );
    expect(refused('weight', '--survey', 'nope', '--wave', '2023', '--lake', lake, '--frame', frame).line).toMatch(
      /unknown survey "nope"/,
    );
    expect(readFileSync(weightsFile).equals(before)).toBe(true);
  });

  it('weights a cloud wave only through Athena into the curated bucket, and says how when told otherwise', () => {
    const before = readFileSync(weightsFile);
    const base = ['weight', '--survey', 'uk-se', '--wave', '2023', '--frame', frame];
    // DuckDB reads a local lake only: an S3 lake with it would find no wave, or fail on its first file.
    expect(refused(...base, '--lake', 's3://curated-bucket').line).toMatch(
      /^survey: weight: an S3 lake \(s3:\/\/curated-bucket\) is read through Athena; add --engine athena --workgroup <AthenaWorkGroupName> --database <GlueDatabaseName>$/,
    );
    // Athena reads the cloud's wave: its weights must not land in a local lake nobody queries with Athena.
    for (const lakeArgs of [[], ['--lake', lake]]) {
      expect(refused(...base, '--engine', 'athena', '--workgroup', 'wg', ...lakeArgs).line).toMatch(
        /^survey: weight: --engine athena reads the cloud's wave, so the weights go to its curated bucket; add --lake s3:\/\/<CuratedBucketName>/,
      );
    }
    expect(readFileSync(weightsFile).equals(before)).toBe(true);
  });

  it('gives no estimates for a wave ingested again until it is weighted again', () => {
    ok('generate', '--survey', 'uk-se', '--wave', '2023', '--rows', '900', '--seed', '4', '--out', join(dir, 'b.csv'));
    ok('ingest', join(dir, 'b.csv'), ...WAVE);
    const params = ['--param', 'survey=uk-se', '--param', 'wave=2023', '--lake', lake];
    expect(refused('query', 'sector_estimates', ...params).line).toMatch(
      /^survey: queries: sector_estimates found no calibration weights for survey uk-se wave 2023; run survey weight/,
    );
    const frameB = join(dir, 'frame-b.csv');
    ok(
      'generate',
      '--survey',
      'uk-se',
      '--wave',
      '2023',
      '--rows',
      '900',
      '--seed',
      '4',
      '--out',
      join(dir, 'b.csv'),
      '--frame',
      frameB,
    );
    ok('weight', ...WAVE, '--frame', frameB);
    expect(JSON.parse(ok('query', 'sector_estimates', ...params, '--format', 'json')).length).toBeGreaterThan(8);
  });
});
