import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { type Attempt, findAttempt } from '../../core/ingest/attempts.ts';
import { rawKey } from '../../core/lake.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { CliError, type Command, SURVEY_IDS } from '../command.ts';
import { openStorage, parseWaveFileArgs } from '../lake.ts';
import { formatBytes, ProgressBar } from '../progress.ts';

/** What the upload-url function answers (functions/lib/upload-url.ts). */
interface UploadUrl {
  readonly url: string;
  readonly key: string;
  readonly headers: Record<string, string>;
}

/** How long to wait for the outcome by default, and how often to look. */
const WAIT_SECONDS = 120;
const POLL_MS = 2000;
/** Clocks of this machine and the cloud may differ by this much. */
const CLOCK_SKEW_MS = 120_000;

/** Asks the survey's alias of the upload-url function for a presigned PUT. */
async function presign(functionName: string, request: Record<string, unknown>): Promise<UploadUrl> {
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const client = new LambdaClient({});
  try {
    const { FunctionError, Payload } = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        Qualifier: String(request.survey),
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    const answer = JSON.parse(new TextDecoder().decode(Payload ?? new Uint8Array())) as UploadUrl & {
      errorMessage?: string;
    };
    if (FunctionError) throw new CliError(`upload: ${answer.errorMessage ?? FunctionError}`, 1);
    return answer;
  } finally {
    client.destroy();
  }
}

/** PUTs a file to a presigned URL with exactly the headers it was signed with. */
export async function putPresigned(signed: UploadUrl, body: Readable): Promise<void> {
  const response = await fetch(signed.url, {
    method: 'PUT',
    headers: signed.headers,
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (!response.ok) {
    const text = (await response.text()).replace(/\s+/g, ' ').slice(0, 200);
    throw new CliError(`upload: the presigned PUT was refused: HTTP ${response.status} ${text}`, 1);
  }
}

/** Waits for the ingest attempt of an upload and prints its outcome; the exit code says how it ended. */
async function awaitOutcome(
  reports: Storage,
  upload: { survey: string; wave: number; file: string; since: Date },
  seconds: number,
): Promise<number> {
  process.stderr.write(`waiting up to ${seconds} s for the ingest (survey status shows it later too)...\n`);
  const deadline = Date.now() + seconds * 1000;
  let attempt: Attempt | undefined;
  for (;;) {
    attempt = await findAttempt(reports, upload);
    // A failed attempt is retried by the queue: wait on for its retry unless time is up.
    if (attempt && attempt.outcome !== 'failed') break;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (attempt === undefined) {
    process.stderr.write(
      `survey: upload: no ingest outcome after ${seconds} s; survey status --survey ${upload.survey} shows it when it comes\n`,
    );
    return 1;
  }
  const counts = attempt.counts;
  const line: Record<Attempt['outcome'], string> = {
    committed: `ingested: ${counts ? `rows ${counts.rows} = valid ${counts.valid} + rejected ${counts.rejected} + blank ${counts.blank}` : ''} (version ${attempt.version})`,
    unchanged: `unchanged: byte-identical to the live wave (version ${attempt.version})${attempt.reason ? `; ${attempt.reason}` : ''}`,
    refused: `refused: ${attempt.reason}${attempt.refusedReport ? ` (report: ${reports.location}/${attempt.refusedReport})` : ''}`,
    failed: `failed so far: ${attempt.reason}; the queue retries it (survey status)`,
  };
  process.stdout.write(`${line[attempt.outcome]}\n`);
  return attempt.outcome === 'committed' || attempt.outcome === 'unchanged' ? 0 : 1;
}

/** `survey upload <file.csv> --survey <id> --wave <year> (--function <name> | --lake s3://...) [--reports ...] [--wait s]` */
export const command: Command = {
  help: {
    usage: [
      'upload <file.csv> --survey <id> --wave <year> --function <UploadUrlFunctionName> --reports s3://<reports-bucket>',
      'upload <file.csv> --survey <id> --wave <year> --lake s3://bucket/prefix',
    ],
    description:
      "Uploads a wave to the cloud: through your survey's upload URL (--function, the stack's UploadUrlFunctionName; the URL checks the survey, file name and size), or straight into an S3-compatible lake (--lake). Then waits for the ingest's outcome in the reports (--reports; by default the --lake) and prints it: ingested with its counts, unchanged, or refused and why.",
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--wave <year>', 'the wave: its year, e.g. 2023'],
      ['--function <name>', "the upload-url function; your survey's alias of it is invoked"],
      ['--reports <s3://...>', 'where the ingest writes its reports (the reports bucket)'],
      ['--wait <seconds>', `how long to wait for the outcome (default ${WAIT_SECONDS}; 0: do not wait)`],
    ],
    examples: [
      'upload wave.csv --survey uk-se --wave 2023 --function survey-upload-url --reports s3://my-reports-bucket',
      'upload wave.csv --survey uk-se --wave 2023 --lake s3://my-lake',
    ],
  },
  async run(args) {
    const { file, size, survey, wave, lake, options } = await parseWaveFileArgs(
      'upload',
      args,
      'survey upload <file.csv> --survey <id> --wave <year> (--function <name> | --lake s3://bucket/prefix)',
      ['function', 'reports', 'wait'],
    );
    if (!lake && !options.function)
      throw new CliError('upload: give --function <UploadUrlFunctionName> (or --lake s3://...)');
    if (size === 0) throw new CliError(`upload: "${file}" is empty`, 1);
    const wait = options.wait === undefined ? WAIT_SECONDS : Number(options.wait);
    if (!Number.isInteger(wait) || wait < 0)
      throw new CliError(`--wait must be a whole number of seconds, got "${options.wait}"`);
    const since = new Date(Date.now() - CLOCK_SKEW_MS);
    const bar = new ProgressBar(size);
    let key: string;
    let where: string;
    try {
      if (options.function) {
        const signed = await presign(options.function, {
          survey: survey.id,
          wave,
          fileName: basename(file),
          bytes: size,
        });
        // fetch reports no progress: the bytes are counted as they leave the file.
        let sent = 0;
        const counted = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            sent += chunk.length;
            bar.update(sent, 0);
            callback(null, chunk);
          },
        });
        await putPresigned(signed, createReadStream(file, { highWaterMark: 1 << 20 }).pipe(counted));
        key = signed.key;
        where = `the upload URL of ${survey.id}`;
      } else {
        const storage = await openStorage(lake);
        key = rawKey(survey.id, wave, basename(file));
        await storage.put(key, createReadStream(file, { highWaterMark: 1 << 20 }), {
          contentType: 'text/csv',
          onProgress: (bytes) => bar.update(bytes, 0),
        });
        where = `${storage.location}/${key}`;
      }
    } finally {
      bar.done();
    }
    process.stdout.write(`uploaded ${basename(file)} (${formatBytes(size)}) to ${where}\n`);
    const reportsAt = options.reports ?? lake;
    if (wait === 0 || reportsAt === undefined) {
      if (reportsAt === undefined)
        process.stderr.write('survey: upload: give --reports s3://<reports-bucket> to wait for the outcome\n');
      return 0;
    }
    return awaitOutcome(await openStorage(reportsAt), { survey: survey.id, wave, file: key, since }, wait);
  },
};
