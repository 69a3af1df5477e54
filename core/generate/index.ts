// The synthetic wave generator: realistic, messy, deterministic survey files and the truth they were built from.
export {
  GenerateError,
  type GenerateOptions,
  generateWave,
  MAX_ROWS,
  type RejectedRow,
  type Truth,
  type TruthRecord,
} from './generate.ts';
