// Small groups are where an exact median goes wrong (odd or even count, ties, one value, none): many tiny
// groups with fast-check, each lake checked against the independent TypeScript statistics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { truthOf } from '../helpers/truth-stats.ts';
import { type FixtureRecord, record, rowsDiffer, writeLake } from './queries-lake.ts';

const small = (values: number[]) => fc.option(fc.constantFrom(...values), { nil: null, freq: 4 });
const row = fc.record({
  group: fc.integer({ min: 0, max: 5 }),
  is_spinout: fc.boolean(),
  employees: small([0, 1, 2, 3, 7, 7, 40]),
  turnover: small([0, 0.5, 10, 10, 99.25, 1e6]),
  turnover_prev: small([0, 0.5, 10, 99.25]),
  turnover_trend: fc.option(fc.constantFrom('increased', 'same', 'decreased'), { nil: null }),
  employee_owned: fc.option(fc.boolean(), { nil: null }),
  in_2021: fc.boolean(),
});

describe('saved queries on many tiny groups', () => {
  it('agree with the TypeScript statistics for every query', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 0, maxLength: 40 }), async (rows) => {
        const records: FixtureRecord[] = [];
        rows.forEach((r, i) => {
          const fields = {
            org_id: `o${i}`,
            sector: `s${r.group}`,
            region: r.group % 2 ? `TL${r.group}` : null,
            is_spinout: r.is_spinout,
            parent_body: r.is_spinout ? `p${r.group % 3}` : null,
            spinout_year: r.is_spinout ? 2000 + r.group : null,
            employees: r.employees,
            turnover: r.turnover,
            turnover_prev: r.turnover_prev,
            turnover_trend: r.turnover_trend,
            employee_owned: r.employee_owned,
          };
          records.push(record(fields));
          // The same organisation a wave earlier, in another sector and with last year's turnover.
          if (r.in_2021) {
            records.push(record({ ...fields, wave: 2021, sector: 's9', turnover: r.turnover_prev, employees: 3 }));
          }
        });
        const engine = await DuckDbEngine.open(
          new LocalStorage(
            await writeLake(records, {
              emptyWaves: [
                { survey: 'uk-se', wave: 2021 },
                { survey: 'uk-se', wave: 2023 },
              ],
            }),
          ),
        );
        try {
          const wave = { survey: 'uk-se', wave: '2023' };
          for (const [name, params] of [
            ['wave_summary', { survey: 'uk-se' }],
            ['spinouts_by_sector', wave],
            ['spinouts_by_parent_body', wave],
            ['spinout_cohorts', wave],
            ['sector_profile', wave],
            ['growth_by_sector', wave],
            ['panel_growth', { survey: 'uk-se', from_wave: '2021', to_wave: '2023' }],
            ['regional_profile', wave],
            ['governance_and_value', wave],
          ] as const) {
            const result = await runSavedQuery(engine, name, params);
            expect(rowsDiffer(result.rows, truthOf(name, records, params)), name).toBeUndefined();
          }
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 12, seed: 20261124 },
    );
  });
});
