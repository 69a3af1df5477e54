// The synthetic wave generator: realistic, messy, deterministic survey files and the truth they were built from.
export {
  GenerateError,
  type GenerateOptions,
  generateWave,
  ITEM_MISSING,
  MAX_ROWS,
  type RejectedRow,
  type Truth,
  type TruthRecord,
} from './generate.ts';
export { Population, REGISTER_STRIDE, type RegisterFacts } from './population.ts';
export {
  type GrowthTruth,
  type PopulationTruth,
  populationTruth,
  registerOf,
  type SectorTruth,
  type SpinoutTruth,
} from './population-truth.ts';
