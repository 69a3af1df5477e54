import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../work-files.ts';
import { type Lease, type LockHolder, LockLostError, WaveBusyError, type WaveLocks } from './wave-lock.ts';

/** What a lock file holds. */
interface LockFile extends LockHolder {
  readonly pid: number;
  readonly host: string;
}

/**
 * Wave locks in a local lake: `<lake>/.locks/<survey>-<wave>.lock`, created only if absent (O_EXCL), holding its
 * process id. A lock whose process has died on this host is taken over; a live one makes the next ingest wait
 * its turn (it fails, saying who holds it).
 */
export class LocalWaveLocks implements WaveLocks {
  /** Locks kept in `<lakeRoot>/.locks/`. */
  constructor(private readonly lakeRoot: string) {}

  async acquire(survey: string, wave: number, holder: LockHolder): Promise<Lease> {
    const dir = join(this.lakeRoot, '.locks');
    const path = join(dir, `${survey}-${wave}.lock`);
    const mine: LockFile = { ...holder, pid: process.pid, host: hostname() };
    await mkdir(dir, { recursive: true });
    for (let tries = 0; tries < 3; tries++) {
      try {
        const file = await open(path, 'wx');
        await file.writeFile(JSON.stringify(mine));
        await file.close();
        return this.lease(path, mine);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const held = await readLock(path);
      // A lock file half written, or left by a process that has died here, is stale.
      if (held === undefined || (held.host === mine.host && !isAlive(held.pid))) {
        await rm(path, { force: true });
        continue;
      }
      throw new WaveBusyError(survey, wave, held);
    }
    throw new WaveBusyError(survey, wave, await readLock(path));
  }

  private lease(path: string, mine: LockFile): Lease {
    return {
      check: async () => {
        const held = await readLock(path);
        if (held?.attempt !== mine.attempt) {
          throw new LockLostError(`ingest: the lock ${path} was taken over by ${held ? held.by : 'nobody'}`);
        }
      },
      release: async () => {
        const held = await readLock(path);
        if (held?.attempt === mine.attempt) await rm(path, { force: true });
      },
    };
  }
}

async function readLock(path: string): Promise<LockFile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockFile;
  } catch {
    return undefined;
  }
}
