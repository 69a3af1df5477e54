import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Catalog } from './catalog.ts';
import { type DataLake, LAKE_PREFIXES } from './data-lake.ts';
import { SurveyFunction } from './survey-function.ts';

/** Props of {@link IngestPipeline}. */
export interface IngestPipelineProps {
  /** The lake: raw/ is read, curated/ and reports/ are written. */
  readonly lake: DataLake;
  /** The catalog whose partitions the ingest switches. */
  readonly catalog: Catalog;
  /** The ingest function's timeout; the queue's visibility timeout is six times it. @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** How many ingest functions may run at once (the event source's maximum concurrency, 2..1000). @default 2 */
  readonly maxConcurrency?: number;
  /** How many times a message is tried before it goes to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
}

/**
 * The ingest path: an object created under raw/ → an S3 event on an SQS queue → the ingest function, which
 * writes curated/ and reports/ and switches the wave's catalog partition. One bad file fails only its own
 * message (reportBatchItemFailures); a message failing `maxReceiveCount` times lands in the dead-letter queue,
 * and an alarm fires as soon as one is there.
 */
export class IngestPipeline extends Construct {
  /** The ingest function. */
  readonly function: SurveyFunction;
  /** The queue S3 events arrive on. */
  readonly queue: sqs.Queue;
  /** The dead-letter queue. */
  readonly deadLetterQueue: sqs.Queue;
  /** Fires when the dead-letter queue holds a message. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The secret key org_id is an HMAC under (CODEBOOK.md "org_id"). */
  readonly orgIdKey: secretsmanager.Secret;

  /** Creates the queues, the function, the event notification, the event source and the alarm. */
  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(5);
    this.function = new SurveyFunction(this, 'IngestFunction', {
      entry: 'functions/ingest.ts',
      description:
        'Ingests a raw survey wave: validates, writes curated Parquet and the report, switches the partition',
      timeout,
      memorySize: 2048,
      // DuckDB applies the duplicate rule and writes the Parquet: its native library is the one `npm ci`
      // installed for this x86-64 build machine, so the function runs on x86-64.
      architecture: lambda.Architecture.X86_64,
      nativeModules: ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-x64'],
    });
    props.lake.grantReadRaw(this.function);
    props.lake.grantReadWriteCurated(this.function);
    props.lake.grantReadWriteReports(this.function);
    props.lake.restrictWrites(this.function.executionRole);
    props.catalog.grantCommitPartitions(this.function);

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
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout (the Lambda guidance for SQS sources), so that a message is not handed to
      // a second invocation while the first, including its retries and batching window, may still hold it.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
    props.lake.raw.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
      prefix: LAKE_PREFIXES.raw,
    });
    acknowledgeNotificationsHandler(this);
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        // Ingest is memory- and Glue-bound; a handful at once keeps a burst of uploads from exhausting the
        // account's concurrency and from racing many partition switches.
        maxConcurrency: props.maxConcurrency ?? 2,
      }),
    );

    this.deadLetterAlarm = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      })
      .createAlarm(this, 'DeadLetterAlarm', {
        alarmDescription: 'An uploaded wave failed to ingest repeatedly: its S3 event is in the dead-letter queue',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
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
