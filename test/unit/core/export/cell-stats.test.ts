import { describe, expect, it } from 'vitest';
import { cellStatisticsStatement, exactMedian, poolStatistics } from '../../../../core/export/index.ts';
import { loadSavedQueries } from '../../../../core/queries/index.ts';
import { checkPortableSql } from '../../../../core/queries/portability.ts';

describe('the cell statistics statement', () => {
  for (const query of loadSavedQueries()) {
    it(`is portable SQL with every value bound for ${query.name}`, () => {
      const params = Object.fromEntries(
        query.parameters.map((p) => [p.name, p.type === 'survey' ? 'uk-se' : p.name === 'from_wave' ? 2021 : 2023]),
      );
      const statement = cellStatisticsStatement(query, params);
      expect(checkPortableSql(statement.sql)).toEqual([]);
      expect(statement.sql.split('?').length - 1).toBe(statement.params.length);
      expect(statement.sql).not.toContain('uk-se');
    });
  }
});

describe('exact medians and pooling', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(exactMedian([3, 1, 2])).toBe(2);
    expect(exactMedian([4, 1, 3, 2])).toBe(2.5);
    expect(exactMedian([])).toBeNull();
  });

  it('pools the contributions of several groups for the Total row', () => {
    const pooled = poolStatistics([
      { contributors: 2, values: [1, 5], numerator: 1 },
      undefined,
      { contributors: 1, values: [7], numerator: 0 },
    ]);
    expect(pooled).toEqual({ contributors: 3, values: [1, 5, 7], numerator: 1 });
  });
});
