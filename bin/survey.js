#!/usr/bin/env node
// The `survey` command: runs the command line from its bundle (built by `npm ci`), or its TypeScript through tsx.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshBundle } from './bundles.js';
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

// The command line bundled at install (bin/build-worker.js), while it matches its sources; else its TypeScript,
// through tsx (a checkout being edited).
const cli = freshBundle(new URL('../', import.meta.url), new URL('../dist/cli/', import.meta.url), 'survey');
if (cli) {
  await import(cli.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
