// Saved-query columns for people: headings with units, code labels and formatted numbers (XLSX, pages).
export {
  type ColumnLabel,
  CURRENCY_SYMBOLS,
  columnLabels,
  formatValue,
  humanise,
  type Unit,
  unitSuffix,
  valueLabel,
} from './labels.ts';
