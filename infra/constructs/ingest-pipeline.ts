import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Catalog } from './catalog.ts';
import { type DataLake, LAKE_PREFIXES } from './data-lake.ts';
import { configure, SurveyFunction } from './survey-function.ts';

/**
 * What one ingest of a wave costs, measured on a 247 MiB generated file (1M rows) read as a stream on one thread,
 * as the function reads it (`BENCH_ONLY=lambda npm run bench`): 0.28 s/MiB, peak /tmp 2.1 times the file (the
 * valid rows' values and texts, rejected rows, DuckDB's spill, the Parquet).
 */
export const INGEST_COST = { secondsPerMebibyte: 0.28, tmpBytesPerInputByte: 2.1 } as const;

/** The longest a Lambda function may run. */
const LAMBDA_MAX_MINUTES = 15;

/** Props of {@link IngestPipeline}. */
export interface IngestPipelineProps {
  /** The lake: raw/ is read, curated/ and reports/ are written. */
  readonly lake: DataLake;
  /** The catalog whose partitions the ingest switches. */
  readonly catalog: Catalog;
  /** The largest file the upload URL allows: it sizes the function's /tmp and timeout. @default Size.mebibytes(256) */
  readonly maxUploadSize?: Size;
  /** The CloudWatch namespace of the ingest metrics (rows, valid, rejected, refused, seconds per survey). */
  readonly metricsNamespace: string;
  /** The ingest function's timeout; the queue's visibility timeout is six times it. @default from maxUploadSize */
  readonly timeout?: Duration;
  /** How many ingest functions may run at once (the event source's maximum concurrency, 2..1000). @default 2 */
  readonly maxConcurrency?: number;
  /** How many times a message is tried before it goes to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
}

/**
 * The ingest path: an object created under raw/ → an S3 event on an SQS queue → the ingest function, which
 * writes curated/ and reports/ and switches the wave's catalog partition. One failing file fails only its own
 * message (reportBatchItemFailures); a message failing `maxReceiveCount` times lands in the dead-letter queue
 * (the Alarms construct watches it).
 */
export class IngestPipeline extends Construct {
  /** The ingest function. */
  readonly function: SurveyFunction;
  /** The queue S3 events arrive on. */
  readonly queue: sqs.Queue;
  /** The dead-letter queue. */
  readonly deadLetterQueue: sqs.Queue;
  /** How long a received message stays hidden from other consumers: six function timeouts. */
  readonly visibilityTimeout: Duration;
  /** The secret key org_id is an HMAC under (CODEBOOK.md "org_id"). */
  readonly orgIdKey: secretsmanager.Secret;
  /**
   * The lake's locks: ingests of one wave, and releases of one survey (the export function's, or a command line's
   * with SURVEY_LOCK_TABLE), run one at a time.
   */
  readonly locks: dynamodb.TableV2;

  /** Creates the queues, the function, the event notification and the event source. */
  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);
    const upload = (props.maxUploadSize ?? Size.mebibytes(256)).toMebibytes();
    // /tmp: 256 MiB upload × 2.1 measured /tmp per input byte × 1.5 margin = 806 MiB, rounded up to 1024 MiB.
    const tmp = Math.max(512, Math.ceil((upload * INGEST_COST.tmpBytesPerInputByte * 1.5) / 512) * 512);
    // Timeout: 256 MiB × 0.28 s/MiB measured = 72 s, × 4 for one Lambda vCPU and S3 reads, × 2 margin = 573 s → 10 min.
    const minutes = Math.ceil((upload * INGEST_COST.secondsPerMebibyte * 4 * 2) / 60);
    if (props.timeout === undefined && minutes > LAMBDA_MAX_MINUTES) {
      throw new Error(
        `infra: an upload limit of ${upload} MiB needs an ingest timeout of ${minutes} min by the measured ingest cost; Lambda allows ${LAMBDA_MAX_MINUTES}: lower maxUploadSize to at most ${Math.floor((LAMBDA_MAX_MINUTES * 60) / (INGEST_COST.secondsPerMebibyte * 8))} MiB`,
      );
    }
    const timeout = props.timeout ?? Duration.minutes(minutes);
    this.function = new SurveyFunction(this, 'IngestFunction', {
      entry: 'functions/ingest.ts',
      description:
        'Ingests a raw survey wave: validates, writes curated Parquet and the report, switches the partition',
      timeout,
      // Memory buys CPU here (peak RSS stays near 200 MB at 2M rows): 2 GB is about 1.2 vCPU.
      memorySize: 2048,
      ephemeralStorageSize: Size.mebibytes(tmp),
      // DuckDB applies the duplicate rule and writes the Parquet: its native library is the one `npm ci`
      // installed for this x86-64 build machine, so the function runs on x86-64.
      architecture: lambda.Architecture.X86_64,
      nativeModules: ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-x64'],
    });
    this.function.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', props.metricsNamespace);
    props.lake.grantReadRaw(this.function);
    props.lake.grantReadWriteCurated(this.function);
    props.lake.grantReadWriteReports(this.function);
    props.catalog.grantCommitPartitions(this.function);

    // One item per wave being ingested (and per survey being released), with a lease: its holder renews it, and
    // an expired one (a function that timed out) is taken over; TTL sweeps what nobody released.
    this.locks = new dynamodb.TableV2(this, 'IngestLocks', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.locks.grantReadWriteData(this.function);
    configure(this.function, 'LOCK_TABLE', this.locks.tableName);
    Validations.of(this.locks).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'The table holds short-lived ingest locks only (seconds to minutes); there is nothing to recover to a point in time',
    });

    // The key is generated once and never leaves Secrets Manager; it is retained with the stack because losing
    // it would give every organisation a new org_id and break panel matching across waves.
    this.orgIdKey = new secretsmanager.Secret(this, 'OrgIdKey', {
      description: 'HMAC key of the pseudonymous org_id; never rotate: org_id must stay stable across waves',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.orgIdKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the org_id HMAC key would give every organisation a new pseudonym and break matching across waves',
    });
    this.orgIdKey.grantRead(this.function);
    this.function.addEnvironment('ORG_KEY_SECRET_ARN', this.orgIdKey.secretArn);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Six times the function timeout (the Lambda guidance for SQS sources), so that a message is not handed to
    // a second invocation while the first, including its retries and batching window, may still hold it.
    this.visibilityTimeout = Duration.seconds(timeout.toSeconds() * 6);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
    props.lake.raw.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
      prefix: LAKE_PREFIXES.raw,
    });
    acknowledgeNotificationsHandler(this);
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        // One upload per invocation: the timeout and /tmp above are sized for one file of the largest size.
        batchSize: 1,
        reportBatchItemFailures: true,
        // Ingest is memory- and Glue-bound; a handful at once keeps a burst of uploads from exhausting the
        // account's concurrency and from racing many partition switches.
        maxConcurrency: props.maxConcurrency ?? 2,
      }),
    );
  }
}

/**
 * S3 event notifications are configured by a CDK-provided custom resource (a singleton function at the stack's
 * root, run only during deployment) whose role CDK gives the AWSLambdaBasicExecutionRole managed policy.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  for (const child of Stack.of(scope).node.children) {
    if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
    Validations.of(child).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'CDK-managed custom resource that sets the raw bucket notification at deploy time; its role is not configurable',
    });
  }
}
