import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { copyToParquet } from '../../core/engine/duckdb-parquet.ts';
import {
  CALIBRATE_DEFAULTS,
  type MergeRule,
  parseFrame,
  WeightError,
  type WeightReport,
  weightWave,
} from '../../core/weight/index.ts';
import { getSurvey } from '../../schemas/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption, SURVEY_IDS } from '../command.ts';
import { openStorage, parseWave } from '../lake.ts';
import { openEngine } from './query.ts';

/** Parses each --merge "margin:CODE=INTO" (a category calibrated together with another). */
function parseMerges(values: readonly string[] | undefined): MergeRule[] {
  return (values ?? []).map((value) => {
    const match = /^(region|legal_form|size_band):([^=]+)=(.+)$/.exec(value.trim());
    if (!match) {
      throw new CliError(
        `weight: --merge must be margin:CODE=INTO with margin region, legal_form or size_band (e.g. region:TLN=TLM), got "${value}"`,
      );
    }
    return { margin: match[1] as MergeRule['margin'], from: match[2]!, into: match[3]! };
  });
}

/** Parses --bounds "low,high" (multiples of the mean weight). */
function parseBounds(value: string | undefined): readonly [number, number] {
  if (value === undefined) return CALIBRATE_DEFAULTS.bounds;
  const match = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?|inf)\s*$/i.exec(value);
  const low = Number(match?.[1]);
  const high = match?.[2]?.toLowerCase() === 'inf' ? Number.POSITIVE_INFINITY : Number(match?.[2]);
  if (!match || !(low <= 1) || !(high >= 1)) {
    throw new CliError(`weight: --bounds must be low,high with low <= 1 <= high (e.g. 0.2,5 or 0,inf), got "${value}"`);
  }
  return [low, high];
}

const count = (n: number) => n.toLocaleString('en-GB');
const times = (x: number) => (x === Number.POSITIVE_INFINITY ? '∞' : `${Number(x.toPrecision(3))}`);

/** The report as a few lines for people. */
function describe(report: WeightReport): string {
  const left = report.rows - report.weighted;
  const bounds = `${times(report.bounds[0])}–${times(report.bounds[1])} × the mean`;
  const atBound =
    report.atLowerBound + report.atUpperBound === 0
      ? `no weight reached a bound (${bounds})`
      : `${count(report.atLowerBound)} weight(s) held at the lower bound and ${count(report.atUpperBound)} at the upper (${bounds})`;
  return [
    `weighted ${report.survey} wave ${report.wave} to ${report.frame.file}: ${count(report.frame.organisations)} organisations in ${count(report.frameCells)} cells (${count(report.emptyFrameCells)} with no respondent)`,
    `  rows       ${count(report.weighted)} of ${count(report.rows)} weighted${left > 0 ? ` (left out: ${count(report.leftOut.region)} without a region, ${count(report.leftOut.employees)} without a headcount)` : ''}`,
    `  raking     converged in ${report.iterations} passes (replicates: at most ${report.replicateIterations}); largest margin error ${report.maxMarginError.toExponential(1)} (tolerance ${report.tolerance})`,
    `  weights    ${report.weightRange.map((x) => x.toFixed(2)).join('–')} × the mean; ${atBound}${report.replicatesAtBound > 0 ? `; ${report.replicatesAtBound} replicate(s) reached a bound` : ''}`,
    ...(report.merged.length > 0 ? [`  merged     ${report.merged.join('; ')}`] : []),
    `  design effect of weighting (Kish) ${report.designEffect.toFixed(3)}`,
    `  variance   ${report.method}`,
    `  → ${report.key} (${count(report.parquetRows)} rows) and _weights.json beside it`,
    '',
  ].join('\n');
}

/**
 * `survey weight --survey <id> --wave <year> --frame <frame.csv> [--bounds low,high] [--replicates G]`
 * `[--merge margin:CODE=INTO ...] [--json] [--lake <dir>] [--engine duckdb|athena --workgroup <wg>]`
 */
export const command: Command = {
  help: {
    usage: [
      'weight --survey <id> --wave <year> --frame <frame.csv> [--bounds 0.2,5] [--replicates 100] [--merge margin:CODE=INTO ...] [--json]',
      'weight --survey <id> --wave <year> --frame <frame.csv> --engine athena --workgroup <wg> --database <db> --lake s3://<curated bucket>',
    ],
    description:
      'Calibrates a wave to a population frame (a CSV region,legal_form,size_band,organisations) by raking its rows with a known region and headcount to the frame margins, with weights bounded to low-high times their mean, and writes weights/survey=<id>/wave=<year>/ with 100 delete-a-group jackknife (JK1) replicates, each raked again: what the weighted saved queries (sector_estimates, spinout_estimates, growth_estimates) read. Refuses a frame the wave cannot reach.',
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--wave <year>', 'the wave: its year, e.g. 2023'],
      [
        '--frame <frame.csv>',
        'organisations per region, legal form and size band (survey generate --frame writes one)',
      ],
      ['--bounds <low,high>', 'each weight within low-high times the mean weight (default 0.2,5; 0,inf for none)'],
      ['--replicates <G>', 'jackknife groups (default 100)'],
      [
        '--merge <margin:CODE=INTO>',
        'calibrate a category too small to weight on its own together with another; repeatable',
      ],
      ['--json', 'print the report (also written beside the weights as _weights.json) as JSON'],
      [
        '--engine <engine>',
        'read the wave with duckdb (default, over a local --lake) or athena (with --lake s3://<curated bucket>, which the weights are written to)',
      ],
      ['--workgroup <wg>', 'the Athena workgroup (with --engine athena)'],
      ['--database <db>', 'the Glue database (with --engine athena)'],
    ],
    examples: [
      'weight --survey uk-se --wave 2023 --frame frame.csv',
      'weight --survey uk-se --wave 2023 --frame frame.csv --engine athena --workgroup <AthenaWorkGroupName> --database survey_lake_prod --lake s3://<CuratedBucketName>',
      'weight --survey fr-ess --wave 2023 --frame frame.csv --merge region:FR-20R=FR-PAC',
    ],
  },
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        survey: { type: 'string' },
        wave: { type: 'string' },
        frame: { type: 'string' },
        bounds: { type: 'string' },
        replicates: { type: 'string' },
        merge: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        lake: { type: 'string' },
        engine: { type: 'string' },
        workgroup: { type: 'string' },
        database: { type: 'string' },
      },
      false,
    );
    // DuckDB reads only a local lake, and the Athena engine reads the cloud's: the weights must go to the lake
    // the wave was read from, so an S3 lake is read through Athena and Athena's wave is weighted into S3.
    const s3Lake = values.lake?.startsWith('s3://') === true;
    if (s3Lake && (values.engine ?? 'duckdb') === 'duckdb') {
      throw new CliError(
        `weight: an S3 lake (${values.lake}) is read through Athena; add --engine athena --workgroup <AthenaWorkGroupName> --database <GlueDatabaseName>`,
      );
    }
    if (values.engine === 'athena' && !s3Lake) {
      throw new CliError(
        `weight: --engine athena reads the cloud's wave, so the weights go to its curated bucket; add --lake s3://<CuratedBucketName>, got ${values.lake === undefined ? 'no --lake' : `"${values.lake}"`}`,
      );
    }
    const survey = getSurvey(requireOption(values, 'survey'));
    const wave = parseWave(requireOption(values, 'wave'));
    const framePath = requireOption(values, 'frame');
    const bounds = parseBounds(values.bounds);
    const merge = parseMerges(values.merge);
    const replicates = values.replicates === undefined ? undefined : Number(values.replicates);
    if (replicates !== undefined && !(Number.isInteger(replicates) && replicates >= 2 && replicates <= 1000)) {
      throw new CliError(`weight: --replicates must be a whole number from 2 to 1000, got "${values.replicates}"`);
    }
    let frameBytes: Buffer;
    try {
      frameBytes = await readFile(framePath);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new CliError(`weight: cannot read the frame "${framePath}": ${reason}`, 1, { cause: error });
    }
    try {
      const frame = parseFrame(frameBytes.toString('utf8'), survey, basename(framePath));
      const storage = await openStorage(values.lake);
      const engine = await openEngine(values);
      let report: WeightReport;
      try {
        report = await weightWave({
          engine,
          storage,
          survey,
          wave,
          frame,
          frameName: basename(framePath),
          frameBytes,
          bounds,
          merge,
          ...(replicates === undefined ? {} : { replicates }),
          writeParquet: copyToParquet,
        });
      } finally {
        await engine.close();
      }
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
    } catch (error) {
      if (error instanceof WeightError) throw new CliError(error.message, 2, { cause: error });
      throw error;
    }
    return 0;
  },
};
