#!/usr/bin/env node
// Bundles the ingest's part worker (core/ingest/part-worker.ts) into dist/part-worker.mjs and the command line
// (cli/main.ts) into dist/cli/; `npm ci` runs it (the `prepare` script). A worker thread loads plain JavaScript in
// about a third of the time it takes to load the TypeScript through tsx, and that time is the second thread's head
// start lost; `survey` itself then runs without tsx. Next to each bundle goes <name>.json: the SHA-256 of every
// source file in it, so a bundle older than its sources is never used (freshBundle in bin/bundles.js). Without
// esbuild (an install without dev dependencies) nothing is built and both run through tsx, as before.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** esbuild's options for every bundle: the project's own modules inlined, packages left as imports. */
function bundleOptions() {
  return {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Packages stay imports, resolved from node_modules at run time as the TypeScript's are.
    packages: 'external',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/** Writes `dir`/`name`.json: the SHA-256 of every source file of a build, by its path under the project root. */
async function writeManifest(metafile, dir, name) {
  // The metafile's input paths are relative to absWorkingDir, the project root.
  const inputs = {};
  for (const path of Object.keys(metafile.inputs).sort()) {
    inputs[path] = createHash('sha256')
      .update(await readFile(join(ROOT, path)))
      .digest('hex');
  }
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify({ inputs }, null, 2)}\n`);
  return Object.keys(inputs).length;
}

/**
 * Builds part-worker.mjs and part-worker.json into `outDir` (default dist/ of the project), and the command line
 * into `outDir`/cli (survey.mjs, its lazily loaded commands as chunks beside it, and survey.json); returns the
 * number of source files bundled, or 0 when esbuild is not installed. `outDir` must be inside the project, so
 * that the bundles' package imports resolve from its node_modules.
 */
export async function buildWorker(outDir = join(ROOT, 'dist')) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return 0;
  }
  await mkdir(outDir, { recursive: true });
  const worker = await esbuild.build({
    ...bundleOptions(),
    entryPoints: ['core/ingest/part-worker.ts'],
    outfile: join(outDir, 'part-worker.mjs'),
  });
  const count = await writeManifest(worker.metafile, outDir, 'part-worker');
  // The command line: `survey` then loads no TypeScript compiler (tsx), which costs each run about 0.1 s and
  // 35 MB. Each command stays a chunk of its own, loaded only when it runs, with the packages it imports.
  const cliDir = join(outDir, 'cli');
  await rm(cliDir, { recursive: true, force: true });
  const cli = await esbuild.build({
    ...bundleOptions(),
    entryPoints: { survey: 'cli/main.ts' },
    outdir: cliDir,
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
  });
  await writeManifest(cli.metafile, cliDir, 'survey');
  return count;
}

/** Builds `entry` into the single file `outfile` (bench children); returns the bundle's path. */
export async function buildFile(entry, outfile) {
  const esbuild = await import('esbuild');
  await esbuild.build({ ...bundleOptions(), entryPoints: [entry], outfile, metafile: false });
  return outfile;
}

// Run as a script: node bin/build-worker.js [outDir]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const count = await buildWorker(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(
    count > 0
      ? `build-worker: part-worker.mjs from ${count} source files, and the command line in cli/`
      : 'build-worker: esbuild is not installed; the ingest worker will run through tsx',
  );
}
