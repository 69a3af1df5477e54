// A child process that holds or races for a wave's local lock:
//   node bin/run-ts.js test/helpers/lock-child.ts <lake> <name> [staleMs]
// It prints "ready", then answers each line on stdin: "go" asks for the lock and prints "won", "busy <holder's
// attempt>" ("busy ?" when no holder file could be read) or "error <code>: <message>"; "check" prints "ok" or
// "lost <error name>: <message>"; "release" gives up what it won and prints "released". It exits when stdin ends.
// So a test starts the children once and races them many times, every child asking at the same moment, or kills
// or freezes one that holds the lock.
import { createInterface } from 'node:readline';
import { type Lease, WaveBusyError } from '../../core/lock/lake-locks.ts';
import { LocalLakeLocks } from '../../core/lock/local-lock.ts';

const [lake, name, staleMs] = process.argv.slice(2);
if (lake === undefined || name === undefined) {
  throw new Error('lock-child: usage: lock-child.ts <lake> <name> [staleMs]');
}
const locks = new LocalLakeLocks(lake, staleMs === undefined ? {} : { staleMs: Number(staleMs) });
let lease: Lease | undefined;
let round = 0;
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    const holder = { attempt: `${name}.${++round}`, by: `child ${name}`, since: new Date().toISOString() };
    try {
      lease = await locks.acquire('uk-se', 2023, holder);
      process.stdout.write('won\n');
    } catch (error) {
      if (error instanceof WaveBusyError) process.stdout.write(`busy ${error.holder?.attempt ?? '?'}\n`);
      else process.stdout.write(`error ${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}\n`);
    }
  } else if (line === 'check') {
    try {
      await lease?.check();
      process.stdout.write('ok\n');
    } catch (error) {
      process.stdout.write(`lost ${(error as Error).name}: ${(error as Error).message}\n`);
    }
  } else if (line === 'release') {
    await lease?.release();
    lease = undefined;
    process.stdout.write('released\n');
  }
}
