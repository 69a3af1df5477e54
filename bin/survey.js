#!/usr/bin/env node
// The `survey` command: runs the TypeScript CLI through tsx, so `npx survey` works right after `npm ci`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { INGEST_NODE_FLAGS } from './heap.js';

// Only an ingest gets the heap cap and the GC setting (see heap.js); other commands keep the defaults, as an
// export may hold a large table.
if (
  process.argv[2] === 'ingest' &&
  !process.env.SURVEY_HEAP_SET &&
  !process.execArgv.some((flag) => flag.startsWith('--max-old-space-size'))
) {
  const result = spawnSync(
    process.execPath,
    [...INGEST_NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, SURVEY_HEAP_SET: '1' } },
  );
  process.exit(result.status ?? 1);
}

const { register } = await import('tsx/esm/api');
register();
await import('../cli/main.ts');
