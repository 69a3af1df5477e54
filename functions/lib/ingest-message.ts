import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { HeaderError } from '../../core/ingest/headers.ts';
import { IngestError, type IngestResult, ingestWave } from '../../core/ingest/ingest.ts';
import { CsvError } from '../../core/ingest/read-csv.ts';
import type { WavePointer } from '../../core/lake.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { UnknownSurveyError, WaveRangeError } from '../../schemas/index.ts';
import { logger, metrics } from './powertools.ts';
import { RawKeyError, type RawObject, rawObjectsOf } from './s3-events.ts';

/** What the ingest handler needs; built once per cold start (or by a test). */
export interface IngestDeps {
  /** The lake: raw/ read, curated/ and reports/ written. */
  readonly storage: Storage;
  /** The org_id HMAC key (the secret's value). */
  readonly orgKey: () => Promise<string>;
  /** Called once the wave's pointer is committed: the Glue partition switch. */
  readonly afterCommit?: (pointer: WavePointer) => Promise<void>;
  /** Tags the rejected rows an ingest wrote so that the reports bucket expires them. */
  readonly expireRejectedRows?: (key: string) => Promise<void>;
}

/**
 * The one call into the core for one raw upload. Its contract with the handler: resolve with what was committed
 * (or found unchanged); throw a refusal ({@link isRefusal}) when the file itself cannot be ingested; throw
 * anything else for a failure worth retrying.
 */
async function ingestObject(deps: IngestDeps, object: RawObject): Promise<IngestResult> {
  return ingestWave({
    storage: deps.storage,
    input: await deps.storage.get(object.key),
    survey: object.survey,
    wave: object.wave,
    sourceFile: object.key,
    orgKey: await deps.orgKey(),
    afterCommit: deps.afterCommit,
  });
}

/**
 * A whole-file refusal: the file (or the message) is wrong, and a retry would read the same bytes, so the message is
 * not retried. Everything else (S3, Glue, Secrets Manager, a bug) is a transient failure: SQS redelivers it and,
 * after the queue's maximum receives, parks it in the dead-letter queue, whose alarm tells an operator.
 */
export function isRefusal(error: unknown): boolean {
  return [IngestError, CsvError, HeaderError, UnknownSurveyError, WaveRangeError, RawKeyError].some(
    (type) => error instanceof type,
  );
}

/**
 * The batch processor's record handler: every raw upload an SQS message names, through the core. Resolves when each
 * was ingested or refused (the refusal logged as a warning and counted as `refused`); throws a transient failure,
 * logged with its S3 key, so that this message alone is reported as a batch item failure.
 */
export async function ingestMessage(deps: IngestDeps, record: SQSRecord): Promise<void> {
  let objects: RawObject[];
  try {
    objects = rawObjectsOf(record.body);
  } catch (error) {
    refused(error as Error, { messageId: record.messageId });
    return;
  }
  for (const object of objects) {
    const where = { s3Key: object.key, survey: object.survey, wave: object.wave, messageId: record.messageId };
    let result: IngestResult;
    try {
      result = await ingestObject(deps, object);
      await deps.expireRejectedRows?.(result.rejectedKey);
    } catch (error) {
      if (isRefusal(error)) {
        refused(error as Error, where);
        continue;
      }
      logger.error('ingest failed; the message will be retried', { ...where, error: error as Error });
      count(where, { failed: 1 });
      throw error;
    }
    const { stats } = result.report;
    logger.info(result.unchanged ? 'unchanged' : 'ingested', { ...where, bytes: object.bytes, stats });
    if (result.unchanged) count(where, { unchanged: 1 });
    else {
      const { rows, valid, rejected, blank, seconds } = stats;
      count(where, { ingested: 1, rows, valid, rejected, blank }, seconds);
    }
  }
}

/** Where an upload came from, as its log lines and metrics name it. */
interface Where {
  readonly messageId: string;
  readonly s3Key?: string;
  readonly survey?: string;
  readonly wave?: number;
}

function refused(error: Error, where: Where): void {
  if (!isRefusal(error)) throw error;
  logger.warn('refused; the message will not be retried', { ...where, reason: error.message });
  count(where, { refused: 1 });
}

/**
 * Publishes one EMF record for one upload: counts (and the ingest's seconds) with the survey as a dimension, the
 * wave and S3 key as metadata (searchable in the log, no extra metric cost). Flushed at once, because one batch may
 * hold uploads of several surveys.
 */
function count(where: Where, counts: Record<string, number>, seconds?: number): void {
  metrics.addDimension('survey', where.survey ?? 'unknown');
  if (where.wave !== undefined) metrics.addMetadata('wave', String(where.wave));
  if (where.s3Key !== undefined) metrics.addMetadata('s3Key', where.s3Key);
  for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value);
  if (seconds !== undefined) metrics.addMetric('seconds', MetricUnit.Seconds, seconds);
  metrics.publishStoredMetrics();
}
