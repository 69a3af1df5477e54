// Saved-query columns as people read them: a heading in plain words with its unit, code labels instead of codes,
// and numbers formatted with their unit. Everything is derived from the schemas (code lists, the canonical
// fields' units) and the saved query's metadata (its labels and disclosure roles), never from column names.
import {
  CODE_LISTS,
  type CodeList,
  CURRENCY_UNIT,
  FIELDS,
  REGIONS_FR,
  REGIONS_GB,
  type SurveyDefinition,
} from '../../schemas/index.ts';
import type { CellValue } from '../engine/query-engine.ts';
import type { Column } from '../queries/index.ts';

/** The unit of a column's values, as people read it. */
export type Unit =
  | { readonly kind: 'currency'; readonly code: string; readonly symbol: string }
  | { readonly kind: 'staff' }
  | { readonly kind: 'percent' }
  | { readonly kind: 'organisations' }
  | { readonly kind: 'year' };

/** One column of a saved query, presented: what a table heading, a chart axis and a cell need. */
export interface ColumnLabel {
  readonly name: string;
  /** Plain words without the unit, e.g. "Median turnover". */
  readonly label: string;
  /** The label with its unit, e.g. "Median turnover (£)". */
  readonly heading: string;
  readonly unit?: Unit;
  readonly role: Column['disclosure']['role'];
  /** For a group column drawn from a code list: each code's label. */
  readonly codes?: ReadonlyMap<string, string>;
  /** For a boolean group column: the labels of true and false. */
  readonly booleans?: readonly [string, string];
}

/** Symbols of the currencies the surveys use; another currency is shown by its ISO 4217 code. */
export const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { GBP: '£', EUR: '€' };

/** What true and false mean in a boolean group column, by canonical field; other fields read Yes and No. */
const BOOLEAN_GROUPS: Readonly<Record<string, readonly [string, string]>> = {
  is_spinout: ['Public-sector spin-outs', 'Other organisations'],
};

const FIELD_SPECS = new Map(FIELDS.map((field) => [field.name, field]));

/** "median_turnover" → "Median turnover": the heading of a column whose metadata gives no label. */
export function humanise(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function codeList(name: string, survey: SurveyDefinition | undefined): CodeList | undefined {
  if (name === 'region') return survey ? survey.regions : [...REGIONS_GB, ...REGIONS_FR];
  return CODE_LISTS[name as keyof typeof CODE_LISTS];
}

function currencyUnit(survey: SurveyDefinition | undefined): Unit {
  if (!survey) return { kind: 'currency', code: 'GBP/EUR', symbol: '£/€' };
  return { kind: 'currency', code: survey.currency, symbol: CURRENCY_SYMBOLS[survey.currency] ?? survey.currency };
}

/** The unit of a column: from its format, or from the canonical field a sum or median is taken of. */
function unitOf(column: Column, survey: SurveyDefinition | undefined): Unit | undefined {
  const d = column.disclosure;
  if (column.format === 'percent') return { kind: 'percent' };
  if (column.format === 'year') return { kind: 'year' };
  if (d.role === 'count' || d.role === 'cumulative') return { kind: 'organisations' };
  if (d.role === 'group') return FIELD_SPECS.get(d.field)?.unit === 'year' ? { kind: 'year' } : undefined;
  if ((d.role === 'sum' || d.role === 'median') && typeof d.of === 'string') {
    const unit = FIELD_SPECS.get(d.of)?.unit;
    if (unit === CURRENCY_UNIT) return currencyUnit(survey);
    if (unit === 'headcount') return { kind: 'staff' };
    if (unit === 'percent') return { kind: 'percent' };
  }
  return undefined;
}

/** What follows a label in a heading: " (£)", " (headcount)", " (%)"; nothing for counts and years. */
export function unitSuffix(unit: Unit | undefined): string {
  switch (unit?.kind) {
    case 'currency':
      return ` (${unit.symbol})`;
    case 'staff':
      return ' (headcount)';
    case 'percent':
      return ' (%)';
    default:
      return '';
  }
}

/** Presents the columns of a saved query for one survey (its currency and regions); without one, both. */
export function columnLabels(columns: readonly Column[], survey?: SurveyDefinition): ColumnLabel[] {
  return columns.map((column) => {
    const label = column.label ?? humanise(column.name);
    const unit = unitOf(column, survey);
    const d = column.disclosure;
    const field = d.role === 'group' ? FIELD_SPECS.get(d.field) : undefined;
    const list = field?.codes ? codeList(field.codes, survey) : undefined;
    return {
      name: column.name,
      label,
      heading: `${label}${unitSuffix(unit)}`,
      role: d.role,
      ...(unit ? { unit } : {}),
      ...(list ? { codes: new Map(list.map((entry) => [entry.code, entry.label])) } : {}),
      ...(field?.kind === 'boolean' ? { booleans: BOOLEAN_GROUPS[field.name] ?? ['Yes', 'No'] } : {}),
    };
  });
}

/**
 * The label of a group cell's value: a code's label, "Public-sector spin-outs" for true, a year as is. A code the
 * list does not hold is shown as it is rather than hidden. Exports with a Total row carry group values as text,
 * so "true" and "false" are read as booleans too.
 */
export function valueLabel(column: ColumnLabel, value: CellValue): string {
  if (value === null) return '';
  if (column.booleans) {
    if (value === true || value === 'true') return column.booleans[0];
    if (value === false || value === 'false') return column.booleans[1];
  }
  const text = String(value);
  return column.codes?.get(text) ?? text;
}

const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', options);
    formats.set(key, format);
  }
  return format;
}

/**
 * A number with its unit, as a table shows it: "£1,234,568", "28.7%", "1,234", "2023". `compact` shortens money
 * for a headline ("£1.2bn", "€45m"); other units read the same either way.
 */
export function formatValue(unit: Unit | undefined, value: number, options: { compact?: boolean } = {}): string {
  switch (unit?.kind) {
    case 'currency':
      if (!/^[A-Z]{3}$/.test(unit.code))
        return `${unit.symbol}${numberFormat('n0', { maximumFractionDigits: 0 }).format(value)}`;
      return options.compact
        ? numberFormat(`c-${unit.code}`, {
            style: 'currency',
            currency: unit.code,
            notation: 'compact',
            minimumFractionDigits: 0,
            maximumFractionDigits: 1,
          }).format(value)
        : numberFormat(`${unit.code}`, { style: 'currency', currency: unit.code, maximumFractionDigits: 0 }).format(
            value,
          );
    case 'percent':
      return numberFormat('pct', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
        value,
      );
    case 'year':
      return String(value);
    case 'staff':
      return numberFormat('n1', { maximumFractionDigits: 1 }).format(value);
    case 'organisations':
      return numberFormat('n0', { maximumFractionDigits: 0 }).format(value);
    default:
      return numberFormat('n2', { maximumFractionDigits: 2 }).format(value);
  }
}
