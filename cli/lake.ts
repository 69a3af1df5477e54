import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LakeLocks } from '../core/lock/lake-locks.ts';
import { localLocksOf } from '../core/lock/local-lock.ts';
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
  /** The command's own string options (`extra`), when given. */
  readonly options: Readonly<Record<string, string | undefined>>;
}

/** Parses `<file.csv> --survey <id> --wave <year> [--lake ...]` and checks the file is a readable regular file. */
export async function parseWaveFileArgs(
  command: string,
  args: string[],
  usage: string,
  extra: readonly string[] = [],
): Promise<WaveFileArgs> {
  const { values, positionals } = parseCommandArgs(args, {
    survey: { type: 'string' },
    wave: { type: 'string' },
    lake: { type: 'string' },
    ...Object.fromEntries(extra.map((name) => [name, { type: 'string' as const }])),
  });
  const [file, ...more] = positionals;
  if (!file || more.length) throw new CliError(`usage: ${usage}`);
  const survey = getSurvey(requireOption(values, 'survey'));
  const wave = parseWave(requireOption(values, 'wave'));
  checkWave(survey, wave);
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    const given = values as Record<string, unknown>;
    const options = Object.fromEntries(extra.map((name) => [name, given[name] as string | undefined]));
    return { file, size: info.size, survey, wave, lake: values.lake as string | undefined, options };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(`${command}: cannot read "${file}": ${reason}`, 1, { cause: error });
  }
}

/**
 * The locks of a lake (a wave's, a survey's release ledger's): lock files in a local lake; in S3, a DynamoDB
 * table (SURVEY_LOCK_TABLE, the stack's IngestLocks table; SURVEY_DYNAMODB_ENDPOINT for a DynamoDB-compatible
 * server), without which an S3 lake is not written: two ingests of one wave, or two releases of one survey,
 * could otherwise overlap.
 */
export async function openLocks(storage: Storage, command: 'ingest' | 'export' | 'bulletin'): Promise<LakeLocks> {
  const local = localLocksOf(storage);
  if (local !== undefined) return local;
  const table = process.env.SURVEY_LOCK_TABLE;
  if (!table) {
    throw new CliError(
      command === 'ingest'
        ? `ingest: an S3 lake (${storage.location}) is written only under a wave lock; set SURVEY_LOCK_TABLE to the stack's IngestLocks table, or upload the file with survey upload`
        : `${command}: a release into an S3 lake (${storage.location}) is recorded only under the survey's release lock; set SURVEY_LOCK_TABLE to the stack's IngestLocks table`,
    );
  }
  const [{ DynamoDBClient }, { DynamoLakeLocks }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../core/lock/dynamodb-lock.ts'),
  ]);
  const endpoint = process.env.SURVEY_DYNAMODB_ENDPOINT;
  return new DynamoLakeLocks(new DynamoDBClient(endpoint ? { endpoint } : {}), table);
}

/**
 * The secret key of org_id: SURVEY_ORG_KEY, or for a local lake without it, a random key of the lake's own,
 * made on first use (`<lake>/.survey/org-key`) and said so: there is no key anyone could compute ids with from
 * the source. An S3 lake needs SURVEY_ORG_KEY (the cloud keeps its key in Secrets Manager).
 */
export async function resolveOrgKey(storage: Storage, command: string): Promise<string> {
  const key = process.env.SURVEY_ORG_KEY;
  if (key !== undefined && key.trim() === '') {
    throw new CliError(`${command}: SURVEY_ORG_KEY is set but empty; set it to the secret key of org_id, or unset it`);
  }
  if (key) return key;
  const path = storage.localPath('.survey/org-key');
  if (path === undefined) {
    throw new CliError(
      `${command}: SURVEY_ORG_KEY is not set; an S3 lake's org_ids must come from the deployment's key (its Secrets Manager secret)`,
    );
  }
  await mkdir(dirname(path), { recursive: true });
  try {
    const file = await open(path, 'wx', 0o600);
    await file.writeFile(randomBytes(32).toString('hex'));
    await file.close();
    process.stderr.write(
      `survey: ${command}: SURVEY_ORG_KEY is not set: this lake's org_ids use a key of its own, made now in ${path}; waves are comparable only under one key, so set SURVEY_ORG_KEY to share ids across lakes\n`,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readFile(path, 'utf8')).trim();
}
