import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putPresigned } from '../../cli/commands/upload.ts';
import { DynamoLakeLocks } from '../../core/lock/dynamodb-lock.ts';
import { S3Storage } from '../../core/storage/s3-storage.ts';
import { createIngestHandler } from '../../functions/ingest.ts';
import { presignUpload } from '../../functions/lib/upload-url.ts';
import { type LocalDynamo, startLocalDynamo } from '../helpers/dynalite.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

const root = new URL('../..', import.meta.url).pathname;
const rows = Array.from({ length: 300_000 }, (_, i) => `${i},Org ${i},CIC,no,Health`).join('\n');
const content = `Respondent ID,Organisation name,Legal form,Spun out of the public sector?,Main sector\n${rows}\n`;
let s3: LocalS3;
let dynamo: LocalDynamo;
let dir: string;
beforeAll(async () => {
  s3 = await startLocalS3(['raw-bucket', 'lake-bucket']);
  dynamo = await startLocalDynamo();
  dir = await mkdtemp(join(tmpdir(), 'upload-cli-'));
  await writeFile(join(dir, 'wave.csv'), content);
});
afterAll(async () => {
  await s3.close();
  await dynamo.close();
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
  it('waits for the ingest the upload sets off and prints its outcome: the counts, or why it was refused', async () => {
    // This test stands in for S3 → SQS: each object s3rver stores under raw/ goes to the real ingest handler.
    const storage = new S3Storage(s3.client, 'lake-bucket');
    const handler = createIngestHandler(() => ({
      storage,
      orgKey: async () => 'test-key',
      locks: new DynamoLakeLocks(dynamo.client, dynamo.table),
    }));
    const ingests: Promise<unknown>[] = [];
    const onEvent = (event: S3Event) => {
      if (!event.Records[0]?.s3.object.key.startsWith('raw/')) return;
      const record = { messageId: `m-${ingests.length}`, body: JSON.stringify(event) } as SQSRecord;
      ingests.push(
        handler({ Records: [record] } as SQSEvent, { awsRequestId: 'r', functionName: 'ingest' } as Context),
      );
    };
    s3.server.on('event', onEvent);
    try {
      const small = join(dir, 'small.csv');
      await writeFile(small, `${content.split('\n').slice(0, 51).join('\n')}\n`);
      const good = await upload(
        small,
        '--survey',
        'uk-se',
        '--wave',
        '2021',
        '--lake',
        's3://lake-bucket',
        '--wait',
        '60',
      );
      expect(good.stderr).not.toMatch(/survey:/);
      expect(good.status).toBe(0);
      expect(good.stdout).toMatch(
        /^ingested: rows 50 = valid 50 \+ rejected 0 \+ blank 0 \(version v\d{8}T\d{6}Z-[0-9a-f]{8}\)$/m,
      );

      const bad = join(dir, 'bad.csv');
      await writeFile(bad, 'Respondent ID,Organisation name\n1,Acme\n');
      const refused = await upload(
        bad,
        '--survey',
        'uk-se',
        '--wave',
        '2021',
        '--lake',
        's3://lake-bucket',
        '--wait',
        '60',
      );
      expect(refused.status).toBe(1);
      expect(refused.stdout).toMatch(
        /^refused: ingest: required column ".*" is missing.*\(report: s3:\/\/lake-bucket\/reports\/survey=uk-se\/wave=2021\/refused\//m,
      );
      await Promise.allSettled(ingests);
    } finally {
      s3.server.off('event', onEvent);
    }
  }, 120_000);

  it('puts a file to a presigned URL of the real upload-url code with exactly the signed headers', async () => {
    const file = join(dir, 'presigned.csv');
    await writeFile(file, 'Respondent ID,Organisation name\n1,Acme\n');
    const signed = await presignUpload(
      s3.client,
      'raw-bucket',
      { survey: 'uk-se', wave: 2023, fileName: 'presigned.csv', bytes: (await stat(file)).size },
      { survey: 'uk-se', maxBytes: 1 << 20, expiresIn: 300 },
    );
    await putPresigned(signed, createReadStream(file));
    const object = await s3.client.send(new GetObjectCommand({ Bucket: 'raw-bucket', Key: signed.key }));
    expect(await object.Body?.transformToString()).toBe(await readFile(file, 'utf8'));
    // A file of another size than the one signed is refused by S3 itself.
    await writeFile(file, 'Respondent ID,Organisation name\n1,Acme\n2,Beta\n');
    await expect(putPresigned(signed, createReadStream(file))).rejects.toThrow(
      /presigned PUT was refused|fetch failed|length/i,
    );
  });

  it('puts the wave under raw/survey=<id>/wave=<year>/, byte for byte, in several parts', async () => {
    // Larger than one 8 MB part, so lib-storage uploads it in several.
    expect(Buffer.byteLength(content)).toBeGreaterThan(8 * 1024 * 1024);
    const file = join(dir, 'wave.csv');
    const result = await upload(
      file,
      ...['--survey', 'uk-se', '--wave', '2023', '--lake', 's3://raw-bucket/team-a', '--wait', '0'],
    );
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
    [['--survey', 'uk-se', '--wave', '2023'], 'wave.csv', /give --function <UploadUrlFunctionName>/],
    [
      ['--survey', 'uk-se', '--wave', '2023', '--lake', 's3://raw-bucket', '--wait', 'soon'],
      'wave.csv',
      /--wait must be/,
    ],
    [['--survey', 'nope', '--wave', '2023', '--lake', 's3://raw-bucket'], 'wave.csv', /unknown survey/],
  ])('refuses %j with one line', async (args, name, message) => {
    const result = await upload(join(dir, name), ...args);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
