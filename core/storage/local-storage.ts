import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ownPrefix, sweepDeadWork } from '../work-files.ts';
import { NotFoundError, type Storage, type StorageBody } from './storage.ts';

/** Where a put writes before it renames into place: a folder of the lake that no key can name. */
const TEMP_DIR = '.tmp';

/** Whether a file-system error says the lake cannot be written (permissions, a read-only mount). */
export function isUnwritable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

/** A lake in a local directory (default ./lake): keys are paths below the root. */
export class LocalStorage implements Storage {
  readonly location: string;
  private swept: Promise<void> | undefined;

  /** Opens (without creating) a lake rooted at `root`. */
  constructor(root: string) {
    this.location = resolve(root);
  }

  /** Maps a key to its path, refusing keys that would escape the root. */
  private path(key: string): string {
    const path = resolve(this.location, key);
    if (path !== this.location && !path.startsWith(this.location + sep)) {
      throw new Error(`storage: key "${key}" leaves the lake root ${this.location}`);
    }
    return path;
  }

  async get(key: string): Promise<Readable> {
    const path = this.path(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new NotFoundError(key);
    } catch (error) {
      if (error instanceof NotFoundError) throw error;
      throw new NotFoundError(key, { cause: error });
    }
    return createReadStream(path);
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(key: string, body: StorageBody, options?: { onProgress?: (bytes: number) => void }): Promise<void> {
    const path = this.path(key);
    const tempDir = join(this.location, TEMP_DIR);
    this.swept ??= sweepDeadWork(tempDir, '');
    await this.swept;
    // Written in the lake's temporary folder, then renamed: a reader never sees a partial object. The name
    // starts with the process id, so a file left by a killed process is known and swept.
    const temp = join(tempDir, `${ownPrefix('')}${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dirname(path), { recursive: true });
      await mkdir(tempDir, { recursive: true });
      let written = 0;
      const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([body]) : body;
      const count = new Transform({
        transform(chunk: Buffer | string, _encoding, callback) {
          written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
          options?.onProgress?.(written);
          callback(null, chunk);
        },
      });
      await pipeline(source, count, createWriteStream(temp));
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      const { code, message } = error as NodeJS.ErrnoException;
      const reason = isUnwritable(error) ? 'the lake is not writable' : message;
      throw new Error(`storage: cannot write "${key}" in ${this.location}: ${reason} (${code ?? 'error'})`, {
        cause: error,
      });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
          return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          // The lake's own folders (.tmp, .locks, .survey) hold no keys.
          if (dir !== this.location || !entry.name.startsWith('.')) await walk(full);
        } else if (entry.isFile()) {
          const key = relative(this.location, full).split(sep).join('/');
          if (key.startsWith(prefix)) keys.push(key);
        }
      }
    };
    // Walk from the deepest directory the prefix names, so listing one wave never reads the whole lake.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(this.path(dirPart));
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const key of await this.list(prefix)) await this.delete(key);
    if (prefix.endsWith('/')) await rm(this.path(prefix), { recursive: true, force: true });
  }

  localPath(key: string): string {
    return this.path(key);
  }
}
