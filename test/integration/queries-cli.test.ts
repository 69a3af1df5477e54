// `survey queries` and `survey query` as a user runs them: the real command in a child process.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { record, writeLake } from './queries-lake.ts';

function survey(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/survey.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

let lake: string;
beforeAll(async () => {
  lake = await writeLake([
    record({ org_id: 'a', sector: 'health', is_spinout: true, employees: 4 }),
    record({ org_id: 'b', sector: 'health', is_spinout: false, employees: 6 }),
    record({ org_id: 'c', sector: 'housing, "social"', is_spinout: true, employees: null }),
  ]);
});

const bySector = ['query', 'spinouts_by_sector', '--param', 'survey=uk-se', '--param', 'wave=2023'];

describe('survey queries', () => {
  it('lists the nine saved queries with title, grain and parameters', () => {
    const { code, out } = survey('queries');
    expect(code).toBe(0);
    for (const name of ['wave_summary', 'spinouts_by_sector', 'panel_growth', 'governance_and_value']) {
      expect(out).toContain(name);
    }
    expect(out).toMatch(/panel_growth .*one row per sector .*survey=<survey> from_wave=<wave> to_wave=<wave>/);
  });
});

describe('survey query', () => {
  it('prints JSON: an array of objects keyed by column name, numbers as numbers', () => {
    const { code, out, err } = survey(...bySector, '--format', 'json', '--lake', lake);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([
      { sector: 'health', organisations: 2, spinouts: 1, spinout_share: 0.5 },
      { sector: 'housing, "social"', organisations: 1, spinouts: 1, spinout_share: 1 },
    ]);
  });

  it('prints RFC 4180 CSV', () => {
    const { code, out } = survey(...bySector, '--format', 'csv', '--lake', lake);
    expect(code).toBe(0);
    expect(out).toBe(
      'sector,organisations,spinouts,spinout_share\r\nhealth,2,1,0.5\r\n"housing, ""social""",1,1,1\r\n',
    );
  });

  it('prints an aligned table with shares as percentages by default', () => {
    const { code, out } = survey(...bySector, '--lake', lake);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^sector\s+organisations\s+spinouts\s+spinout_share$/);
    expect(lines[2]).toMatch(/^health\s+2\s+1\s+50\.0%$/);
    expect(lines.map((line) => line.length)).toEqual(lines.map(() => lines[1]?.length));
  });

  it.each([
    ['--format xml', [...bySector, '--format', 'xml'], /--format must be one of table, csv, json, got "xml"/],
    ['an unknown query', ['query', 'nope'], /unknown saved query "nope"/],
    ['wave=abc', ['query', 'spinouts_by_sector', '--param', 'survey=uk-se', '--param', 'wave=abc'], /a year/],
    [
      'SQL in a parameter',
      ['query', 'spinouts_by_sector', '--param', 'survey=uk-se', '--param', 'wave=2023; drop table responses'],
      /must be a year/,
    ],
    [
      'a wave never ingested',
      ['query', 'spinouts_by_sector', '--param', 'survey=uk-se', '--param', 'wave=2021'],
      /never ingested/,
    ],
    ['a --param without =', [...bySector, '--param', 'oops'], /--param must be name=value/],
    ['the Athena engine without a workgroup', [...bySector, '--engine', 'athena'], /--engine athena needs --workgroup/],
    ['an unknown engine', [...bySector, '--engine', 'spark'], /--engine must be duckdb or athena, got "spark"/],
  ])('refuses %s with a one-line error and a non-zero exit', (_what, args, message) => {
    const { code, out, err } = survey(...args, '--lake', lake);
    expect(code).not.toBe(0);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
  });
});
