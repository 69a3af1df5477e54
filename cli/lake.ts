import { stat } from 'node:fs/promises';
import { LocalStorage } from '../core/storage/local-storage.ts';
import type { Storage } from '../core/storage/storage.ts';
import { checkWave, getSurvey, type SurveyDefinition } from '../schemas/index.ts';
import { CliError, parseCommandArgs, requireOption } from './command.ts';

/** The --lake option's default: a local lake in the working directory. */
export const DEFAULT_LAKE = './lake';

/**
 * Opens the lake named by --lake: a local directory, or s3://bucket/prefix (the AWS credential chain; set
 * SURVEY_S3_ENDPOINT to use an S3-compatible server instead of AWS).
 */
export async function openStorage(lake: string | undefined): Promise<Storage> {
  const location = lake ?? DEFAULT_LAKE;
  if (location.trim() === '')
    throw new CliError('--lake must name a directory or s3://bucket/prefix, got an empty value');
  if (location.startsWith('s3://')) {
    const module = await import('../core/storage/s3-storage.ts').catch((error: unknown) => {
      throw new CliError(`--lake ${location}: the S3 storage adapter is not available (${String(error)})`, 2, {
        cause: error,
      });
    });
    // An S3-compatible store (MinIO, a local test server) is reached with path-style addressing.
    const endpoint = process.env.SURVEY_S3_ENDPOINT;
    return module.S3Storage.fromUrl(location, endpoint ? { endpoint, forcePathStyle: true } : {});
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new CliError(`--lake must be a directory or s3://bucket/prefix, got "${location}"`);
  }
  return new LocalStorage(location);
}

/** Parses --wave as a whole year, or throws a one-line CliError. */
export function parseWave(value: string): number {
  if (!/^\d{4}$/.test(value)) throw new CliError(`--wave must be a four-digit year, got "${value}"`);
  return Number(value);
}

/** The arguments `survey ingest` and `survey upload` share: one wave file, its survey and wave. */
export interface WaveFileArgs {
  readonly file: string;
  readonly size: number;
  readonly survey: SurveyDefinition;
  readonly wave: number;
  readonly lake: string | undefined;
}

/** Parses `<file.csv> --survey <id> --wave <year> [--lake ...]` and checks the file is a readable regular file. */
export async function parseWaveFileArgs(command: string, args: string[], usage: string): Promise<WaveFileArgs> {
  const { values, positionals } = parseCommandArgs(args, {
    survey: { type: 'string' },
    wave: { type: 'string' },
    lake: { type: 'string' },
  });
  const [file, ...more] = positionals;
  if (!file || more.length) throw new CliError(`usage: ${usage}`);
  const survey = getSurvey(requireOption(values, 'survey'));
  const wave = parseWave(requireOption(values, 'wave'));
  checkWave(survey, wave);
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    return { file, size: info.size, survey, wave, lake: values.lake };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(`${command}: cannot read "${file}": ${reason}`, 1, { cause: error });
  }
}
