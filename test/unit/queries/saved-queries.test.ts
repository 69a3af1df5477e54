import { describe, expect, it } from 'vitest';
import { loadSavedQueries } from '../../../core/queries/index.ts';

// DESIGN.md "Saved queries (contract)": names, parameters and columns in order.
const CONTRACT: Record<string, [string[], string[]]> = {
  wave_summary: [['survey'], ['wave', 'responses', 'spinouts', 'employees_total', 'turnover_total']],
  spinouts_by_sector: [
    ['survey', 'wave'],
    ['sector', 'organisations', 'spinouts', 'spinout_share'],
  ],
  spinouts_by_parent_body: [
    ['survey', 'wave'],
    ['parent_body', 'spinouts', 'employees_total', 'median_employees', 'median_turnover'],
  ],
  spinout_cohorts: [
    ['survey', 'wave'],
    ['spinout_year', 'spinouts', 'cumulative_spinouts'],
  ],
  sector_profile: [
    ['survey', 'wave'],
    ['sector', 'organisations', 'employees_total', 'median_employees', 'turnover_total', 'median_turnover'],
  ],
  growth_by_sector: [
    ['survey', 'wave'],
    ['sector', 'respondents', 'share_increased', 'share_same', 'share_decreased', 'median_turnover_growth'],
  ],
  panel_growth: [
    ['survey', 'from_wave', 'to_wave'],
    ['sector', 'matched_organisations', 'median_turnover_growth', 'median_employee_growth', 'share_grew'],
  ],
  regional_profile: [
    ['survey', 'wave'],
    ['region', 'organisations', 'spinouts', 'employees_total'],
  ],
  governance_and_value: [
    ['survey', 'wave'],
    [
      'is_spinout',
      'organisations',
      'share_employee_owned',
      'share_staff_voice_strategy',
      'share_staff_voice_policy',
      'share_staff_voice_operations',
      'share_measures_social_value',
      'share_new_services',
    ],
  ],
};

/** The columns of a sector-wide estimate of `x` (DESIGN.md "Sector-wide estimates"). */
const estimate = (x: string) => [`${x}_estimate`, `${x}_se`, `${x}_ci_low`, `${x}_ci_high`];

// DESIGN.md "Sector-wide estimates (contract)": the weighted queries, their columns as this issue fixed them.
Object.assign(CONTRACT, {
  sector_estimates: [
    ['survey', 'wave'],
    ['sector', 'respondents', 'spinout_respondents', ...estimate('organisations'), ...estimate('spinouts')],
  ],
  spinout_estimates: [
    ['survey', 'wave'],
    ['parent_body', 'region', 'respondents', ...estimate('spinouts')],
  ],
  growth_estimates: [
    ['survey', 'wave'],
    ['sector', 'respondents', ...estimate('share_grew')],
  ],
});

const queries = loadSavedQueries();

describe('the saved queries in queries/', () => {
  it('are exactly the twelve of the contract', () => {
    expect(queries.map((query) => query.name).sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  it.each(queries.map((query) => [query.name, query] as const))(
    '%s has the contract parameters and columns in order',
    (name, query) => {
      const [parameters, columns] = CONTRACT[name] ?? [[], []];
      expect(query.parameters.map((parameter) => parameter.name)).toEqual(parameters);
      expect(query.columns.map((column) => column.name)).toEqual(columns);
    },
  );

  it.each(queries.map((query) => [query.name, query] as const))(
    '%s is lowercase SQL, a chain of CTEs ending in select ... from final',
    (_name, query) => {
      const code = query.sql.replace(/--[^\n]*/g, '').replace(/'[^']*'/g, "''");
      expect(code).toBe(code.toLowerCase());
      expect(code.trimStart().startsWith('with ')).toBe(true);
      expect(code).toMatch(/\bfinal as \(/);
      // The statement after the last CTE: a plain select from final, with an optional order by.
      expect(code.slice(code.lastIndexOf(')'))).toMatch(/^\)\s*select\s[^()]*\sfrom final(\s+order by [^()]*)?\s*$/);
    },
  );

  it.each(queries.map((query) => [query.name, query] as const))(
    '%s says its grain and types its survey and wave parameters',
    (_name, query) => {
      expect(query.grain).toMatch(/^one row per /);
      for (const parameter of query.parameters) {
        expect(parameter.type).toBe(parameter.name === 'survey' ? 'survey' : 'wave');
      }
    },
  );

  it.each(queries.map((query) => [query.name, query] as const))(
    '%s gives every non-group column a count behind it for disclosure control',
    (_name, query) => {
      const counts = query.columns.filter((column) => column.disclosure.role === 'count');
      expect(counts.length).toBeGreaterThan(0);
      expect(query.columns[0]?.disclosure.role).toBe('group');
      for (const column of query.columns) {
        const d = column.disclosure;
        if (d.role === 'share' || d.role === 'median' || d.role === 'sum' || d.role === 'estimate') {
          expect(query.columns.find((other) => other.name === d.countColumn)?.disclosure.role).toBe('count');
        }
        if (column.name.startsWith('share') || column.name.endsWith('_share')) {
          expect(column.format).toBe('percent');
          expect(column.disclosure.role).toBe(d.role === 'estimate' ? 'estimate' : 'share');
          if (d.role === 'estimate') expect(d.statistic).toBe('share');
        }
      }
    },
  );
});

describe('the weighted saved queries', () => {
  const weighted = queries.filter((query) => query.weighted);

  it('are the three of the contract, and only they read the weights table', () => {
    expect(weighted.map((query) => query.name)).toEqual(['growth_estimates', 'sector_estimates', 'spinout_estimates']);
    for (const query of queries) expect(/\bweights\b/.test(query.sql)).toBe(query.weighted === true);
  });

  it.each(weighted.map((query) => [query.name, query] as const))(
    '%s publishes each estimate as estimate, se, ci_low and ci_high, over the rows weighting can place',
    (_name, query) => {
      const parts = query.columns.flatMap((column) =>
        column.disclosure.role === 'estimate' ? [[column.name, column.disclosure.part] as const] : [],
      );
      expect(parts.length % 4).toBe(0);
      for (const [name, part] of parts) expect(name.endsWith(`_${part}`)).toBe(true);
      // The rows survey weight weights: a known region and headcount (the frame's region and size band).
      expect(query.population).toEqual(
        expect.arrayContaining([
          { field: 'region', op: 'is-not-null' },
          { field: 'employees', op: 'is-not-null' },
        ]),
      );
    },
  );
});
