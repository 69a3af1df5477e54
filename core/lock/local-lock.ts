import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { isUnwritable } from '../storage/local-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { type Lease, type LockHolder, LockLostError, type LockSubject, SubjectLocks } from './lake-locks.ts';

/** Options of {@link LocalLakeLocks}. */
export interface LocalLakeLocksOptions {
  /**
   * A lock not refreshed for this long belongs to a process that died or is frozen, and is taken over (a live
   * holder refreshes it every fifth of this). @default 5000 ms
   */
  readonly staleMs?: number;
}

/** The lock files of a lake that is a local directory; undefined for one elsewhere, which must be given its locks. */
export function localLocksOf(storage: Storage): LocalLakeLocks | undefined {
  const root = storage.localPath('');
  return root === undefined ? undefined : new LocalLakeLocks(root);
}

/**
 * The locks of a local lake, with proper-lockfile: `<lake>/.locks/<survey>-<wave>.lock` (a wave's) or
 * `<survey>-releases.lock` (a survey's release ledger) is a directory made atomically and refreshed while its
 * holder runs; one left by a process that died goes stale within `staleMs` and is taken over. Beside it,
 * `<name>.holder.json` says who holds it, for the message another taker gets.
 */
export class LocalLakeLocks extends SubjectLocks {
  private readonly staleMs: number;

  /** Locks kept in `<lakeRoot>/.locks/`. */
  constructor(
    private readonly lakeRoot: string,
    options: LocalLakeLocksOptions = {},
  ) {
    super();
    this.staleMs = options.staleMs ?? 5000;
  }

  protected async take(subject: LockSubject, holder: LockHolder): Promise<Lease> {
    const dir = join(this.lakeRoot, '.locks');
    const target = join(dir, subject.parts.join('-'));
    const holderPath = `${target}.holder.json`;
    await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw isUnwritable(error)
        ? new Error(`storage: cannot write a lock in ${this.lakeRoot}: the lake is not writable (${error.code})`, {
            cause: error,
          })
        : error;
    });
    let compromised: Error | undefined;
    let release: () => Promise<void>;
    // proper-lockfile takes over a stale lock by removing it and making it again, two steps another taker can
    // come between (its issue #121): so takers pass one at a time through a door, itself made atomically.
    const door = `${target}.door`;
    if (!(await enter(door, this.staleMs))) throw subject.busy(await readHolder(holderPath));
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        stale: this.staleMs,
        update: Math.max(1000, Math.floor(this.staleMs / 5)),
        retries: 0,
        onCompromised: (error) => {
          compromised = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      throw subject.busy(await readHolder(holderPath));
    } finally {
      await rm(door, { recursive: true, force: true });
    }
    const mine = { ...holder, host: hostname(), pid: process.pid };
    await writeFile(holderPath, JSON.stringify(mine));
    return {
      check: async () => {
        const held = await readHolder(holderPath);
        if (compromised !== undefined || held?.attempt !== holder.attempt) {
          throw new LockLostError(
            subject.lost(
              `went stale (its holder was stopped for more than ${this.staleMs / 1000} s)`,
              held && held.attempt !== holder.attempt ? held.by : 'another process',
            ),
            compromised ? { cause: compromised } : undefined,
          );
        }
      },
      release: async () => {
        if ((await readHolder(holderPath))?.attempt === holder.attempt) await rm(holderPath, { force: true });
        await release().catch(() => undefined);
      },
    };
  }
}

/**
 * Makes the door directory, which only one process can do at a time; false when another is passing through. A door
 * older than the lock's staleness was left by a process that died in it, and is removed once.
 */
async function enter(door: string, staleMs: number): Promise<boolean> {
  for (let tries = 0; tries < 2; tries++) {
    try {
      await mkdir(door);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const since = await stat(door).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (since < staleMs) return false;
    await rm(door, { recursive: true, force: true });
  }
  return false;
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}
