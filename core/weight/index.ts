// Sector-wide estimates: frames, calibration weights with jackknife replicates, and their estimates.
export {
  CALIBRATE_DEFAULTS,
  type CalibrateOptions,
  type CalibrationReport,
  calibrate,
  jackknifeGroups,
  type MergeRule,
  type WaveWeights,
  type WeightInput,
  weightOf,
} from './calibrate.ts';
export {
  allocatedTotals,
  column,
  type Estimate,
  fromReplicates,
  replicateTotals,
  scaleOf,
  shares,
  totals,
  weightMatrix,
  Z95,
} from './estimate.ts';
export { type Frame, frameCsv, frameOf, MARGINS, type Margin, marginCodes, parseFrame, WeightError } from './frame.ts';
export { type RakeMargins, type RakeResult, type RakeSettings, rake } from './rake.ts';
export {
  type WeightReport,
  type WeightWaveOptions,
  weightsKey,
  weightsPrefix,
  weightsReportKey,
  weightWave,
  writeWeightsFile,
} from './weight-wave.ts';
