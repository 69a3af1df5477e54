// The guarantee of DESIGN.md "Disclosure control for exports", attacked from the outside: generated waves of both
// surveys are ingested, every saved query is exported (with and without its Total row, and again under stricter
// settings), and an intruder written for the tests (test/helpers/attack.ts: its own integer program over the
// published files and the queries' meaning, solved with HiGHS) bounds every suppressed cell. No interval may fall
// short of its protection level, and no suppressed cell may be recovered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsError } from '../../core/disclosure/index.ts';
import { readLedger } from '../../core/export/index.ts';
import { attack } from '../helpers/attack.ts';
import { FROM, Lake, RULES, show, TO } from '../helpers/attack-lake.ts';

describe.each([
  ['uk-se', 90, 1],
  ['uk-se', 150, 2],
  ['fr-ess', 110, 3],
])('the exports of generated %s waves of %i rows (seed %i), attacked', (survey, rows, seed) => {
  const lake = new Lake(survey, rows, seed);

  beforeAll(async () => {
    await lake.ingest(FROM, 'a');
    await lake.ingest(TO, 'a');
  }, 60_000);
  afterAll(() => lake.close());

  it('leave no suppressed cell of any saved query, with or without its Total, under its protection level', async () => {
    await lake.exportAll();
    await lake.exportAll({ total: false });
    const result = await attack(lake.tables, lake.records, RULES);
    expect(show(result.findings)).toEqual([]);
    // The attack had something to attack: suppressed cells, some of them under the threshold.
    expect(result.suppressed.size).toBeGreaterThan(10);
    const sensitive = [...result.suppressed].filter((n) => {
      const t = result.truths.get(n)!;
      return result.meanings.get(n)!.stat === 'count' && t.value > 0 && t.value < RULES.threshold;
    });
    expect(sensitive.length).toBeGreaterThan(0);
    // One pattern per table: the Total row is all that --no-total leaves out.
    const pairs = new Map<string, string[]>();
    for (const table of lake.tables) {
      const key = `${table.query} ${JSON.stringify(table.params)}`;
      pairs.set(key, [...(pairs.get(key) ?? []), table.csv]);
    }
    for (const [key, [withTotal, without]] of pairs) {
      const body = withTotal!.split('\r\n').filter((line) => !line.startsWith('Total,'));
      expect(without!.split('\r\n'), key).toEqual(body);
    }
  });

  it('leave none under its protection level when a stricter threshold is asked for after', async () => {
    const csv = await lake.export('spinouts_by_sector', { survey, wave: String(TO) }, { request: { threshold: 7 } });
    await lake.export('sector_profile', { survey, wave: String(TO) }, { request: { threshold: 7, p: 20 } });
    // Under the stricter rule no count under 7 is shown.
    for (const line of csv
      .replace(/^\uFEFF/, '')
      .split('\r\n')
      .slice(1, -1)) {
      for (const cell of line.split(',').slice(1, 3)) {
        if (cell !== '[c]') expect(Number(cell) === 0 || Number(cell) >= 7, line).toBe(true);
      }
    }
    const result = await attack(lake.tables, lake.records, RULES);
    expect(show(result.findings)).toEqual([]);
  });

  it('refuse a laxer threshold or p than the deployment, writing nothing', async () => {
    const before = (await readLedger(lake.storage, survey)).length;
    for (const request of [{ threshold: 3 }, { p: 5 }]) {
      await expect(lake.export('sector_profile', { survey, wave: String(TO) }, { request })).rejects.toThrow(
        SettingsError,
      );
    }
    expect(await readLedger(lake.storage, survey)).toHaveLength(before);
  });
});
