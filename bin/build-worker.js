#!/usr/bin/env node
// Bundles the ingest's part worker (core/ingest/part-worker.ts) into dist/part-worker.mjs; `npm ci` runs it (the
// `prepare` script). A worker thread loads plain JavaScript in about a third of the time it takes to load the
// TypeScript through tsx, and that time is the second thread's head start lost. Next to the bundle goes
// part-worker.json: the SHA-256 of every source file in it, so a bundle older than its sources is never used
// (freshBundle in core/ingest/parallel.ts). Without esbuild (an install without dev dependencies) nothing is built
// and the worker runs through tsx, as before.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds part-worker.mjs and part-worker.json into `outDir` (default dist/ of the project); returns the number of
 * source files bundled, or 0 when esbuild is not installed. `outDir` must be inside the project, so that the
 * bundle's package imports resolve from its node_modules.
 */
export async function buildWorker(outDir = join(ROOT, 'dist')) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return 0;
  }
  await mkdir(outDir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['core/ingest/part-worker.ts'],
    outfile: join(outDir, 'part-worker.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Packages stay imports, resolved from node_modules at run time as the TypeScript's are.
    packages: 'external',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The metafile's input paths are relative to absWorkingDir, the project root.
  const inputs = {};
  for (const path of Object.keys(result.metafile.inputs).sort()) {
    inputs[path] = createHash('sha256')
      .update(await readFile(join(ROOT, path)))
      .digest('hex');
  }
  await writeFile(join(outDir, 'part-worker.json'), `${JSON.stringify({ inputs }, null, 2)}\n`);
  return Object.keys(inputs).length;
}

// Run as a script: node bin/build-worker.js [outDir]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const count = await buildWorker(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(
    count > 0
      ? `build-worker: part-worker.mjs from ${count} source files`
      : 'build-worker: esbuild is not installed; the ingest worker will run through tsx',
  );
}
