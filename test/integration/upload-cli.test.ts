import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

const root = new URL('../..', import.meta.url).pathname;
const rows = Array.from({ length: 300_000 }, (_, i) => `${i},Org ${i},CIC,no,Health`).join('\n');
const content = `Respondent ID,Organisation name,Legal form,Spun out of the public sector?,Main sector\n${rows}\n`;
let s3: LocalS3;
let dir: string;
beforeAll(async () => {
  s3 = await startLocalS3(['raw-bucket']);
  dir = await mkdtemp(join(tmpdir(), 'upload-cli-'));
  await writeFile(join(dir, 'wave.csv'), content);
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `survey upload` without blocking this process, which is also serving s3rver. */
function upload(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/survey.js'), 'upload', ...args], {
    env: {
      ...process.env,
      SURVEY_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'eu-west-2',
      NODE_NO_WARNINGS: '1',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

describe('survey upload against a real S3-compatible server', () => {
  it('puts the wave under raw/survey=<id>/wave=<year>/, byte for byte, in several parts', async () => {
    // Larger than one 8 MB part, so lib-storage uploads it in several.
    expect(Buffer.byteLength(content)).toBeGreaterThan(8 * 1024 * 1024);
    const file = join(dir, 'wave.csv');
    const result = await upload(file, '--survey', 'uk-se', '--wave', '2023', '--lake', 's3://raw-bucket/team-a');
    expect(result.stderr).not.toMatch(/survey:/);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('s3://raw-bucket/team-a/raw/survey=uk-se/wave=2023/wave.csv');
    const object = await s3.client.send(
      new GetObjectCommand({ Bucket: 'raw-bucket', Key: 'team-a/raw/survey=uk-se/wave=2023/wave.csv' }),
    );
    expect(await object.Body?.transformToString()).toBe(content);
  });

  it.each([
    [['--survey', 'uk-se', '--wave', '2023', '--lake', 's3://raw-bucket'], 'nope.csv', /cannot read .*no such file/],
    [['--survey', 'uk-se', '--wave', '2023'], 'wave.csv', /missing --lake/],
    [['--survey', 'nope', '--wave', '2023', '--lake', 's3://raw-bucket'], 'wave.csv', /unknown survey/],
  ])('refuses %j with one line', async (args, name, message) => {
    const result = await upload(join(dir, name), ...args);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
