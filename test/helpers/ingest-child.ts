// An ingest in a process of its own, killed (SIGKILL) at one step:
//   node bin/run-ts.js test/helpers/ingest-child.ts <lake> <catalog.json> <file.csv> <org key> <work dir> <fault>
//     [staleMs]
// <fault> is "<kill|kill-after>@<step index>" for a write or delete of the lake, or "catalog:<kill|kill-after>";
// staleMs is the wave lock's (LocalLakeLocks' option), so that a test need not wait the default for it to go stale.
// It prints its pid, then the outcome if it was not killed.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { LocalLakeLocks } from '../../core/lock/local-lock.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { type Fault, FaultyStorage } from './faulty-storage.ts';
import { type CatalogFault, RecordingCatalog } from './recording-catalog.ts';

const [lake, catalogPath, file, orgKey, tempDir, fault, staleMs] = process.argv.slice(2);
if (!lake || !catalogPath || !file || !orgKey || !tempDir || !fault) {
  throw new Error(
    'ingest-child: usage: ingest-child.ts <lake> <catalog.json> <file.csv> <org key> <work dir> <fault> [staleMs]',
  );
}
const [, storageFault, at] = /^(kill|kill-after)@(\d+)$/.exec(fault) ?? [];
const [, catalogFault] = /^catalog:(kill|kill-after)$/.exec(fault) ?? [];
const storage = new FaultyStorage(
  new LocalStorage(lake),
  storageFault ? { at: Number(at), fault: storageFault as Fault } : undefined,
);
const catalog = new RecordingCatalog({
  path: catalogPath,
  ...(catalogFault ? { fault: catalogFault as CatalogFault } : {}),
});
process.stdout.write(`${process.pid}\n`);
const outcome = await ingestWave({
  storage,
  input: async () => createReadStream(file),
  survey: 'uk-se',
  wave: 2023,
  sourceFile: basename(file),
  orgKey,
  locks: new LocalLakeLocks(lake, staleMs === undefined ? {} : { staleMs: Number(staleMs) }),
  catalog,
  tempDir,
});
process.stdout.write(`${outcome.outcome}\n`);
