// Disclosure control for exports (DESIGN.md "Disclosure control for exports"): primary rules, secondary
// suppression to protection levels by linear programming (HiGHS), and the intruder's audit. Pure: no I/O.
export { type AuditFailure, type AuditResult, auditPattern, type Interval } from './audit.ts';
export { contributionStats, type GridShape, gridFromContributions, gridRelations } from './grid.ts';
export { determinedUnknowns } from './linear.ts';
export {
  type AuditReport,
  additiveRelation,
  type CellHistory,
  type CellKind,
  type CellStatus,
  cellRef,
  DEFAULT_SETTINGS,
  DisclosureError,
  type DisclosureSettings,
  type DisclosureTable,
  FLOORS,
  type LinearRelation,
  PRIMARY_STATUSES,
  type ProtectedCell,
  type ProtectedTable,
  type ProtectionResult,
  type PublishedValue,
  type RelationTerm,
  type SuppressionCounts,
  subsetRelation,
  type TableCell,
} from './model.ts';
export { protectTable } from './protect.ts';
export {
  inProgram,
  isDominated,
  isInteger,
  type ProtectionOption,
  primaryStatus,
  quantity,
  type Requirement,
  requirementOf,
} from './rules.ts';
export { checkSettings, effectiveSettings, SettingsError } from './settings.ts';
export { loadSolver, solverName } from './solver.ts';
