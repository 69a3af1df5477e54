import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSavedQueries, QUERIES_DIR } from '../../../../core/queries/index.ts';
import { checkPortableSql } from '../../../../core/queries/portability.ts';

const rules = (sql: string) => checkPortableSql(sql).map((problem) => problem.rule);

describe('checkPortableSql', () => {
  it.each(loadSavedQueries().map((query) => [query.name]))('finds saved query %s portable', (name) => {
    const sql = readFileSync(join(QUERIES_DIR, `${name}.sql`), 'utf8');
    expect(checkPortableSql(sql)).toEqual([]);
  });

  it('accepts a plain portable query with a double cast, a decimal literal and an exact-median window', () => {
    const sql = `with ranked as (
        select sector, employees, row_number() over (partition by sector order by employees) as rn,
          count(*) over (partition by sector) as n
        from responses where survey = ? and employees is not null
      ), final as (
        select sector, avg(cast(employees as double)) as m, cast(count(*) as double) / 3 as third
        from ranked where rn between n / 2.0 and n / 2.0 + 1 group by sector
      )
      select sector, m, third from final order by sector`;
    expect(checkPortableSql(sql)).toEqual([]);
  });

  it('refuses a function that is not on the allow-list, even deep inside a CTE', () => {
    const sql =
      'with a as (select median(employees) as m from responses), final as (select m from a) select m from final';
    expect(rules(sql)).toContain('function');
  });

  it.each([
    ['quantile_cont(turnover, 0.5)'],
    ['approx_percentile(turnover, 0.5)'],
    ['list_value(1, 2)'],
    ['percentile_cont(turnover)'],
    ['count_if(is_spinout)'],
  ])('refuses %s', (call) => {
    expect(checkPortableSql(`select ${call} as x from responses`).length).toBeGreaterThan(0);
  });

  it('refuses the :: cast shorthand', () => {
    expect(rules('select employees::double as e from responses')).toContain('syntax');
  });

  it('refuses ILIKE, QUALIFY and GROUP BY ALL', () => {
    expect(rules("select sector from responses where sector ilike 'h%'")).toContain('syntax');
    expect(rules('select sector from responses qualify row_number() over (order by sector) = 1')).toContain('syntax');
    expect(rules('select sector, count(*) as n from responses group by all')).toContain('syntax');
  });

  it('refuses an integer division and accepts the same division with a cast or a decimal literal', () => {
    expect(rules('select count(*) / 2 as half from responses')).toContain('division');
    expect(rules('select sum(employees) / count(*) as mean from responses')).toContain('division');
    expect(rules('select count(*) / 2.0 as half from responses')).toEqual([]);
    expect(rules('select cast(sum(employees) as double) / count(*) as mean from responses')).toEqual([]);
  });

  it('refuses an average of anything but a double cast (Trino averages decimals to their own scale)', () => {
    expect(rules('select avg(case when is_spinout then 1.0 else 0.0 end) as s from responses')).toContain('avg');
    expect(rules('select avg(employees) as s from responses')).toContain('avg');
  });

  it('refuses $n parameters and tables other than responses', () => {
    expect(rules('select sector from responses where survey = $1')).toContain('syntax');
    expect(rules('select sector from other_table')).toContain('table');
  });

  it('ignores forbidden words inside comments and string literals', () => {
    expect(rules("-- never median(x) or x::double here\nselect sector from responses where sector = 'a::b'")).toEqual(
      [],
    );
  });

  it('reports SQL that does not parse', () => {
    expect(rules('select from where')).toContain('parse');
  });
});
