// The ingest function's limits against what an ingest costs: a generated wave read as a stream on one thread, as
// the function reads it from S3, with its temp directory's peak size sampled. infra/constructs/ingest-pipeline.ts
// sizes /tmp and the timeout from INGEST_COST; this prints the measured cost beside it.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWave } from '../core/generate/index.ts';
import { ingestWave } from '../core/ingest/ingest.ts';
import { LocalStorage } from '../core/storage/local-storage.ts';
import { INGEST_COST } from '../infra/constructs/ingest-pipeline.ts';

/** Generates a wave of `rows`, ingests it as a stream on one thread and prints seconds per MiB and peak /tmp use. */
export async function benchLambdaLimits(rows: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'survey-bench-lambda-'));
  try {
    const file = join(work, 'wave.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows, seed: 1, orgKey: 'bench' }, file);
    const bytes = (await stat(file)).size;
    const temp = join(work, 'tmp');
    await mkdir(temp);
    const du = () => Number(execFileSync('du', ['-sb', temp], { encoding: 'utf8' }).split('\t')[0]);
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, du());
    }, 200);
    const started = performance.now();
    await ingestWave({
      storage: new LocalStorage(join(work, 'lake')),
      input: createReadStream(file),
      survey: 'uk-se',
      wave: 2023,
      sourceFile: 'wave.csv',
      orgKey: 'bench',
      tempDir: temp,
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const mib = bytes / 1024 ** 2;
    console.log('| rows | MiB | seconds | s/MiB | peak /tmp ÷ file |');
    console.log('|---:|---:|---:|---:|---:|');
    console.log(
      `| ${rows.toLocaleString('en-GB')} | ${mib.toFixed(0)} | ${seconds.toFixed(1)} | ${(seconds / mib).toFixed(3)} | ${(peak / bytes).toFixed(2)} |`,
    );
    console.log(
      `\nINGEST_COST (infra, measured on 247 MiB): ${INGEST_COST.secondsPerMebibyte.toFixed(3)} s/MiB, /tmp ${INGEST_COST.tmpBytesPerInputByte}× the file; the function gets 1.5× that /tmp and 8× that time (4× for one Lambda vCPU and S3 reads, 2× margin)`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
