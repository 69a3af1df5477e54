import { LocalStorage } from '../core/storage/local-storage.ts';
import type { Storage } from '../core/storage/storage.ts';
import { CliError } from './command.ts';

/** The --lake option's default: a local lake in the working directory. */
export const DEFAULT_LAKE = './lake';

/** Opens the lake named by --lake: a local directory, or s3://bucket/prefix (cloud storage adapter). */
export async function openStorage(lake: string | undefined): Promise<Storage> {
  const location = lake ?? DEFAULT_LAKE;
  if (location.startsWith('s3://')) {
    const module = await import('../core/storage/s3-storage.ts').catch((error: unknown) => {
      throw new CliError(`--lake ${location}: the S3 storage adapter is not available (${String(error)})`, 2, {
        cause: error,
      });
    });
    return module.S3Storage.fromUrl(location);
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
