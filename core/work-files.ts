// Work files named after the process that made them, so that what a killed process left behind is known for
// what it is and removed by the next one (a process that is still running keeps its files).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Whether a process is still running. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The name prefix of this process's work files: `<prefix><pid>-`. */
export function ownPrefix(prefix: string): string {
  return `${prefix}${process.pid}-`;
}

/** Removes the entries of `dir` named `<prefix><pid>-...` whose process is no longer running. */
export async function sweepDeadWork(dir: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) {
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** A new work directory in `base`, after removing those of dead processes. */
export async function makeWorkDir(base: string, prefix: string): Promise<string> {
  await sweepDeadWork(base, prefix);
  return mkdtemp(join(base, ownPrefix(prefix)));
}
