import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { Catalog } from '../../core/catalog/catalog.ts';
import { type IngestOutcome, ingestWave } from '../../core/ingest/ingest.ts';
import type { LakeLocks } from '../../core/lock/lake-locks.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { logger, metrics } from './powertools.ts';
import { RawKeyError, type RawObject, rawObjectsOf } from './s3-events.ts';

/** What the ingest handler needs; built once per cold start (or by a test). */
export interface IngestDeps {
  /** The lake: raw/ read, curated/ and reports/ written. */
  readonly storage: Storage;
  /** The org_id HMAC key (the secret's value). */
  readonly orgKey: () => Promise<string>;
  /** The wave locks (DynamoDB): ingests of one wave, here or from a command line, run one after the other. */
  readonly locks: LakeLocks;
  /** The catalog switched with each commit (Glue). */
  readonly catalog?: Catalog;
  /** Tags the rejected rows an ingest wrote so that the reports bucket expires them. */
  readonly expireRejectedRows?: (key: string) => Promise<void>;
}

/**
 * The one call into the core for one raw upload: committed, unchanged or refused (a report says why) are
 * outcomes; anything it throws is a failure worth retrying.
 */
async function ingestObject(deps: IngestDeps, object: RawObject, requestId: string): Promise<IngestOutcome> {
  return ingestWave({
    storage: deps.storage,
    locks: deps.locks,
    ...(deps.catalog ? { catalog: deps.catalog } : {}),
    // Opened only when needed: a second delivery of the live version's upload is not read again.
    input: () => deps.storage.get(object.key),
    survey: object.survey,
    wave: object.wave,
    sourceFile: object.key,
    ...(object.etag ? { sourceTag: object.etag } : {}),
    ...(object.bytes === undefined ? {} : { sourceBytes: object.bytes }),
    orgKey: await deps.orgKey(),
    by: `Lambda request ${requestId}`,
    // The research team opens the report as a page from its presigned link.
    page: true,
  });
}

/**
 * The batch processor's record handler: every raw upload an SQS message names, through the core. Resolves when each
 * was ingested, found unchanged or refused (a refusal is logged as a warning and counted as `refused`, and the
 * message is not retried: the same bytes would be refused again); throws a transient failure, logged with its S3
 * key, so that this message alone is reported as a batch item failure and retried.
 */
export async function ingestMessage(deps: IngestDeps, record: SQSRecord): Promise<void> {
  let objects: RawObject[];
  try {
    objects = rawObjectsOf(record.body);
  } catch (error) {
    if (!(error instanceof RawKeyError)) throw error;
    refused(error.message, { messageId: record.messageId });
    return;
  }
  for (const object of objects) {
    const where = { s3Key: object.key, survey: object.survey, wave: object.wave, messageId: record.messageId };
    let outcome: IngestOutcome;
    try {
      outcome = await ingestObject(deps, object, record.messageId);
      // Tagged on unchanged too (tagging again is harmless): the retry of a message whose tagging failed after
      // the commit finds the wave unchanged, and the rejected rows must still expire.
      if (outcome.outcome !== 'refused' && outcome.pointer) await deps.expireRejectedRows?.(outcome.pointer.rejected);
    } catch (error) {
      logger.error('ingest failed; the message will be retried', { ...where, error: error as Error });
      count(where, { failed: 1 });
      throw error;
    }
    if (outcome.outcome === 'refused') {
      refused(outcome.refusal?.reason ?? 'refused', { ...where, report: outcome.refusal?.report });
      continue;
    }
    const stats = outcome.report?.stats;
    logger.info(outcome.outcome === 'unchanged' ? 'unchanged' : 'ingested', {
      ...where,
      bytes: object.bytes,
      stats,
      version: outcome.pointer?.version,
      ...(outcome.completed.length > 0 ? { completed: outcome.completed } : {}),
    });
    if (outcome.outcome === 'unchanged' || stats === undefined) count(where, { unchanged: 1 });
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

function refused(reason: string, where: Where & { report?: string }): void {
  logger.warn('refused; the message will not be retried', { ...where, reason });
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
