import { describe, expect, it } from 'vitest';
import { columnLabels, formatValue, humanise, valueLabel } from '../../../../core/labels/index.ts';
import { type Column, getSavedQuery, loadSavedQueries } from '../../../../core/queries/index.ts';
import { getSurvey, PARENT_BODIES, REGIONS_FR, REGIONS_GB, SECTORS } from '../../../../schemas/index.ts';

const UK = getSurvey('uk-se');
const FR = getSurvey('fr-ess');

const labelsOf = (query: string, survey = UK) =>
  Object.fromEntries(columnLabels(getSavedQuery(query).columns, survey).map((c) => [c.name, c]));

describe('column headings', () => {
  it('put money in the survey currency, staff as a headcount and shares as percentages', () => {
    const uk = labelsOf('sector_profile');
    expect(uk.turnover_total?.heading).toBe('Turnover (£)');
    expect(uk.median_turnover?.heading).toBe('Median turnover (£)');
    expect(uk.employees_total?.heading).toBe('Paid staff (headcount)');
    expect(uk.organisations?.heading).toBe('Organisations');
    expect(labelsOf('sector_profile', FR).turnover_total?.heading).toBe('Turnover (€)');
    expect(labelsOf('spinouts_by_sector').spinout_share?.heading).toBe('Spin-out share (%)');
    expect(labelsOf('growth_by_sector').median_turnover_growth?.heading).toBe('Median turnover growth (%)');
  });

  it('derive the unit from what a column is a sum of, not from its name', () => {
    const column = (of: string): Column => ({
      name: 'anything_at_all',
      type: 'double',
      description: 'a sum',
      disclosure: { role: 'sum', of, countColumn: 'n' },
    });
    const [money, staff, volunteers] = columnLabels(
      [column('turnover_prev'), column('employees'), column('volunteers')],
      FR,
    );
    expect(money?.unit).toEqual({ kind: 'currency', code: 'EUR', symbol: '€' });
    expect(staff?.unit).toEqual({ kind: 'staff' });
    expect(volunteers?.unit).toEqual({ kind: 'staff' });
    expect(money?.heading).toBe('Anything at all (€)');
  });

  it('come from every saved query metadata label, and a column without one shows its name with spaces', () => {
    for (const query of loadSavedQueries()) {
      for (const [column, label] of query.columns.map((c, i) => [c, columnLabels(query.columns)[i]!] as const)) {
        expect(label.label).toBe(column.label ?? humanise(column.name));
        expect(label.heading.startsWith(label.label)).toBe(true);
      }
    }
    expect(humanise('matched_organisations')).toBe('Matched organisations');
  });
});

describe('value labels', () => {
  it('give every code of every code list its label', () => {
    const sector = labelsOf('spinouts_by_sector').sector!;
    for (const entry of SECTORS) expect(valueLabel(sector, entry.code)).toBe(entry.label);
    const body = labelsOf('spinouts_by_parent_body').parent_body!;
    for (const entry of PARENT_BODIES) expect(valueLabel(body, entry.code)).toBe(entry.label);
    const ukRegion = labelsOf('regional_profile').region!;
    for (const entry of REGIONS_GB) expect(valueLabel(ukRegion, entry.code)).toBe(entry.label);
    const frRegion = labelsOf('regional_profile', FR).region!;
    for (const entry of REGIONS_FR) expect(valueLabel(frRegion, entry.code)).toBe(entry.label);
    expect(valueLabel(sector, 'arts_culture')).toBe('Arts and culture');
    expect(valueLabel(ukRegion, 'TLI')).toBe('London');
  });

  it('name both kinds of organisation, whether the value comes as a boolean or as text beside a Total row', () => {
    const kind = labelsOf('governance_and_value').is_spinout!;
    expect([valueLabel(kind, true), valueLabel(kind, 'true')]).toEqual([
      'Public-sector spin-outs',
      'Public-sector spin-outs',
    ]);
    expect([valueLabel(kind, false), valueLabel(kind, 'false')]).toEqual([
      'Other organisations',
      'Other organisations',
    ]);
  });

  it('show a code the list does not hold as it is, and a year as a year', () => {
    expect(valueLabel(labelsOf('spinouts_by_sector').sector!, 'space_travel')).toBe('space_travel');
    expect(valueLabel(labelsOf('regional_profile').region!, 'FR-IDF')).toBe('FR-IDF');
    expect(valueLabel(labelsOf('spinout_cohorts').spinout_year!, 2011)).toBe('2011');
  });
});

describe('numbers with units', () => {
  it('format money, shares, headcounts, counts and years as a bulletin prints them', () => {
    expect(formatValue({ kind: 'currency', code: 'GBP', symbol: '£' }, 1234567.6)).toBe('£1,234,568');
    expect(formatValue({ kind: 'currency', code: 'EUR', symbol: '€' }, 4996290647, { compact: true })).toBe('€5bn');
    expect(formatValue({ kind: 'currency', code: 'GBP', symbol: '£' }, 45_300_000, { compact: true })).toBe('£45.3m');
    expect(formatValue({ kind: 'percent' }, 0.28714)).toBe('28.7%');
    expect(formatValue({ kind: 'percent' }, -0.05)).toBe('-5.0%');
    expect(formatValue({ kind: 'staff' }, 4.5)).toBe('4.5');
    expect(formatValue({ kind: 'organisations' }, 122730)).toBe('122,730');
    expect(formatValue({ kind: 'year' }, 2023)).toBe('2023');
  });
});
