// Each Lambda bundle's size and cold import time, built with the same esbuild settings as infra/ uses.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

/** The environment a handler reads at cold start (placeholders: nothing is called during import). */
const FAKE_ENV = {
  RAW_BUCKET: 'raw-bucket',
  CURATED_BUCKET: 'curated-bucket',
  REPORTS_BUCKET: 'reports-bucket',
  EXPORTS_BUCKET: 'exports-bucket',
  ATHENA_RESULTS_BUCKET: 'results-bucket',
  GLUE_DATABASE: 'survey',
  GLUE_TABLE: 'responses',
  WORKGROUP: 'survey',
  ATHENA_WORKGROUP: 'survey',
  MAX_UPLOAD_BYTES: '2000000000',
  ORG_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:x',
  AWS_REGION: 'eu-west-2',
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Bundles every functions/*.ts and prints size and median cold import time of 5 fresh processes. */
export async function benchBundles(): Promise<void> {
  // Inside the project so the bundles resolve the AWS SDK from node_modules, as the Lambda runtime provides it.
  const out = join(root, '.bench', 'bundles');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const entries = (await readdir(join(root, 'functions'))).filter((name) => name.endsWith('.ts'));
  console.log('| function | bundle KB | cold import ms (median of 5) |');
  console.log('|---|---:|---:|');
  for (const entry of entries) {
    const name = entry.replace(/\.ts$/, '');
    const outfile = join(out, `${name}.mjs`);
    await build({
      entryPoints: [join(root, 'functions', entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      external: ['@duckdb/*'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
    });
    const size = (await stat(outfile)).size / 1024;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const script = `const t=performance.now();await import(${JSON.stringify(outfile)});console.log(performance.now()-t)`;
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, ...FAKE_ENV, NODE_NO_WARNINGS: '1' },
      });
      times.push(Number(output.trim().split('\n').pop()));
    }
    console.log(`| ${name} | ${size.toFixed(0)} | ${median(times).toFixed(0)} |`);
  }
  console.log(
    '\ntargets: the query and upload-url bundles (answered while someone waits) under 2.25 MB and importing in under\n' +
      '150 ms; the ingest (fed by SQS) carries the report page and its charts, the export the solver and the charts.',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBundles();
