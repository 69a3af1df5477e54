// Disclosure control for exports (DESIGN.md "Disclosure control for exports"): pure, no I/O.
export { type CellBounds, intervalBounds, pinnedCells } from './bounds.ts';
export { contributionStats, type GridShape, gridFromContributions, gridRelations } from './grid.ts';
export { determinedUnknowns } from './linear.ts';
export {
  additiveRelation,
  type CellKind,
  type CellStatus,
  cellRef,
  DEFAULT_SUPPRESSION,
  DisclosureError,
  type DisclosureTable,
  type LinearRelation,
  type ProtectedCell,
  type ProtectedTable,
  type PublishedValue,
  type RelationTerm,
  type SuppressionCounts,
  type SuppressionOptions,
  type SuppressionResult,
  type TableCell,
  type VerifyResult,
} from './model.ts';
export { assertProtected, isDominated, suppress, verifyProtected } from './suppress.ts';
