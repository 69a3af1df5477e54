import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, CfnResource, Size, Stack, TagManager } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATHENA_WAIT_MARGIN,
  Catalog,
  DataLake,
  INGEST_COST,
  PROJECT_ROOT,
  QueryWorkgroup,
  REJECTED_ROWS_TAG,
  ServiceFunctions,
  SURVEY_RUNTIME,
  UserRoles,
} from '../../infra/constructs/index.ts';
import { addStage, deploymentOf } from '../../infra/deployment.ts';
import { SurveyStack } from '../../infra/survey-stack.ts';
import {
  glueColumns,
  gluePartitionKeys,
  SURVEYS,
  weightsGlueColumns,
  weightsPartitionKeys,
} from '../../schemas/index.ts';
import { cdkJsonContext, logicalId, removeSurveyApps, surveyApp } from './survey-app.ts';

afterAll(removeSurveyApps);

let built: ReturnType<typeof surveyApp>;
beforeAll(() => {
  built = surveyApp();
});

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
const resources = (type: string): Record<string, Resource> =>
  built.template.findResources(type) as Record<string, Resource>;
const bucketId = (name: 'raw' | 'curated' | 'reports' | 'exports' | 'athenaResults' | 'accessLogs') =>
  logicalId(built.stack, built.stack.lake[name]);

describe('the data lake buckets', () => {
  it('creates six buckets, all encrypted, public access blocked and retained on stack deletion', () => {
    const buckets = resources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(6);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.BucketEncryption).toBeDefined();
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
  });

  it('encrypts the personal data (raw uploads, rejected rows) under a rotated, retained KMS key, the rest SSE-S3', () => {
    const key = logicalId(built.stack, built.stack.lake.personalDataKey);
    expect(resources('AWS::KMS::Key')[key]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { EnableKeyRotation: true },
    });
    for (const name of ['raw', 'reports'] as const) {
      expect(resources('AWS::S3::Bucket')[bucketId(name)]!.Properties.BucketEncryption, name).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] },
            },
          },
        ],
      });
    }
    for (const name of ['curated', 'exports', 'athenaResults', 'accessLogs'] as const) {
      expect(resources('AWS::S3::Bucket')[bucketId(name)]!.Properties.BucketEncryption, name).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
  });

  it('expires rejected rows by their tag after 90 days and keeps the reports themselves', () => {
    const rules = (
      resources('AWS::S3::Bucket')[bucketId('reports')]!.Properties.LifecycleConfiguration as {
        Rules: Record<string, unknown>[];
      }
    ).Rules;
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);
    expect(expiring).toEqual([
      {
        Id: 'expire-rejected-rows',
        Status: 'Enabled',
        ExpirationInDays: 90,
        TagFilters: [{ Key: REJECTED_ROWS_TAG.key, Value: REJECTED_ROWS_TAG.value }],
      },
    ]);
  });

  it('refuses non-TLS requests on every bucket in its bucket policy', () => {
    const policies = Object.values(resources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(6);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
    }
  });

  it('versions raw uploads and ages out superseded versions', () => {
    const raw = resources('AWS::S3::Bucket')[bucketId('raw')]!;
    expect(raw.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(raw.Properties.LifecycleConfiguration).toMatchObject({
      Rules: expect.arrayContaining([
        expect.objectContaining({
          NoncurrentVersionExpiration: { NoncurrentDays: 365 },
          NoncurrentVersionTransitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
          Status: 'Enabled',
        }),
      ]),
    });
  });

  it('sends server access logs of every data bucket to the access-log bucket', () => {
    const logs = bucketId('accessLogs');
    for (const name of ['raw', 'curated', 'reports', 'exports', 'athenaResults'] as const) {
      expect(resources('AWS::S3::Bucket')[bucketId(name)]!.Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: logs },
      });
    }
  });

  it('expires Athena results and aborts incomplete multipart uploads everywhere', () => {
    const results = resources('AWS::S3::Bucket')[bucketId('athenaResults')]!;
    expect(results.Properties.LifecycleConfiguration).toMatchObject({
      Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 30 })]),
    });
    for (const bucket of Object.values(resources('AWS::S3::Bucket'))) {
      expect(bucket.Properties.LifecycleConfiguration).toMatchObject({
        Rules: expect.arrayContaining([
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      });
    }
  });
});

describe('the ingest path', () => {
  it('sends objects created under raw/ to the ingest queue', () => {
    built.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId('raw') },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } },
            QueueArn: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.ingest.queue), 'Arn'] },
          },
        ],
      },
    });
  });

  it('encrypts the queue, gives it a dead-letter queue after 3 receives and a visibility of six function timeouts', () => {
    const queue = resources('AWS::SQS::Queue')[logicalId(built.stack, built.stack.ingest.queue)]!;
    const fn = resources('AWS::Lambda::Function')[logicalId(built.stack, built.stack.ingest.function)]!;
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queue.Properties.VisibilityTimeout).toBe((fn.Properties.Timeout as number) * 6);
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.ingest.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 3,
    });
    const dlq = resources('AWS::SQS::Queue')[logicalId(built.stack, built.stack.ingest.deadLetterQueue)]!;
    expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('refuses non-TLS access to both queues', () => {
    const policies = Object.values(resources('AWS::SQS::QueuePolicy'));
    expect(policies.length).toBeGreaterThanOrEqual(2);
    const queues = new Set(
      policies.flatMap((policy) => (policy.Properties.Queues as { Ref: string }[]).map((q) => q.Ref)),
    );
    expect(queues).toContain(logicalId(built.stack, built.stack.ingest.queue));
    expect(queues).toContain(logicalId(built.stack, built.stack.ingest.deadLetterQueue));
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('alarms as soon as one message is in the dead-letter queue, and tells the alarm topic', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.ingest.deadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: logicalId(built.stack, built.stack.alarms.topic) }],
    });
  });

  it('feeds the ingest function from the queue with partial batch failures and bounded concurrency', () => {
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.ingest.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(built.stack, built.stack.ingest.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      BatchSize: 1,
    });
  });

  it('gives the ingest function the /tmp and the time the largest upload needs, by the measured ingest cost', () => {
    const ingest = resources('AWS::Lambda::Function')[logicalId(built.stack, built.stack.ingest.function)]!;
    const maxUpload = Number(environment(built.stack.functions.uploadUrl).MAX_UPLOAD_BYTES);
    expect(maxUpload).toBe(256 * 1024 ** 2);
    const tmpMiB = (ingest.Properties.EphemeralStorage as { Size: number }).Size;
    expect(tmpMiB * 1024 ** 2).toBeGreaterThanOrEqual(maxUpload * INGEST_COST.tmpBytesPerInputByte * 1.5);
    expect(tmpMiB).toBeLessThanOrEqual(10240);
    const seconds = (maxUpload / 1024 ** 2) * INGEST_COST.secondsPerMebibyte;
    expect(ingest.Properties.Timeout as number).toBeGreaterThanOrEqual(seconds * 8);
    expect(ingest.Properties.Timeout as number).toBeLessThanOrEqual(900);
  });

  it('sizes /tmp and the timeout from the upload limit, so raising one raises the others', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const stack = new SurveyStack(app, 'Big', {
      stage: 'big',
      surveys: ['uk-se'],
      alarmEmail: 'alarms@example.org',
      maxUploadSize: Size.mebibytes(384),
    });
    const fn =
      Template.fromStack(stack).findResources('AWS::Lambda::Function')[logicalId(stack, stack.ingest.function)]!;
    expect(fn.Properties.EphemeralStorage.Size).toBeGreaterThanOrEqual(384 * INGEST_COST.tmpBytesPerInputByte * 1.5);
    expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(384 * INGEST_COST.secondsPerMebibyte * 8);
    expect(fn.Properties.Timeout).toBeGreaterThan(
      resources('AWS::Lambda::Function')[logicalId(built.stack, built.stack.ingest.function)]!.Properties
        .Timeout as number,
    );
    expect(Template.fromStack(stack).findResources('AWS::Lambda::Function')).toSatisfy((all: object) =>
      Object.values(all).some(
        (other) => other.Properties?.Environment?.Variables?.MAX_UPLOAD_BYTES === String(384 * 1024 ** 2),
      ),
    );
  });

  it('refuses an upload limit whose ingest would outlast the longest Lambda run, saying what fits', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    expect(
      () =>
        new SurveyStack(app, 'Huge', {
          stage: 'huge',
          surveys: ['uk-se'],
          alarmEmail: 'alarms@example.org',
          maxUploadSize: Size.gibibytes(2),
        }),
    ).toThrow(/^infra: an upload limit of 2048 MiB needs an ingest timeout of \d+ min .* at most \d+ MiB$/);
  });

  it('keeps the org_id key in a retained secret the ingest function is told about', () => {
    const secretId = logicalId(built.stack, built.stack.ingest.orgIdKey);
    expect(resources('AWS::SecretsManager::Secret')[secretId]!.DeletionPolicy).toBe('Retain');
    const fn = resources('AWS::Lambda::Function')[logicalId(built.stack, built.stack.ingest.function)]!;
    expect(fn.Properties.Environment).toMatchObject({ Variables: { ORG_KEY_SECRET_ARN: { Ref: secretId } } });
  });
});

describe('the catalog', () => {
  type TableInput = {
    Name: string;
    Parameters: Record<string, string>;
    PartitionKeys: unknown[];
    StorageDescriptor: {
      Columns: unknown[];
      Location: unknown;
      InputFormat: string;
      OutputFormat: string;
      SerdeInfo: { SerializationLibrary: string };
    };
  };
  const tableNamed = (name: string) =>
    Object.values(resources('AWS::Glue::Table'))
      .map((resource) => resource.Properties.TableInput as TableInput)
      .find((input) => input.Name === name)!;
  const table = () => tableNamed('responses');

  it('declares the responses table with the columns derived from the zod schema, in order', () => {
    expect(table().Name).toBe('responses');
    const columns = glueColumns().map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment }));
    expect(table().StorageDescriptor.Columns).toEqual(columns);
    expect(columns.map((c) => c.Name)).toContain('org_id');
  });

  it('partitions on survey and wave as the schema says', () => {
    expect(table().PartitionKeys).toEqual(gluePartitionKeys().map((c) => ({ Name: c.name, Type: c.type })));
    expect(table().PartitionKeys).toEqual([
      { Name: 'survey', Type: 'string' },
      { Name: 'wave', Type: 'int' },
    ]);
  });

  it('reads Parquet under curated/ in the curated bucket, with catalog partitions rather than projection', () => {
    const sd = table().StorageDescriptor;
    expect(sd.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(sd.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
    expect(sd.OutputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat');
    expect(sd.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId('curated') }, '/curated/']] });
    expect(JSON.stringify(table().Parameters)).not.toContain('projection');
  });

  it('declares the weights table from its zod schema, over weights/ in the curated bucket, projected by survey and wave', () => {
    const weights = tableNamed('weights');
    expect(weights.StorageDescriptor.Columns).toEqual(
      weightsGlueColumns().map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
    );
    expect(weights.StorageDescriptor.Columns.map((c) => (c as { Name: string }).Name)).toEqual([
      'response_id',
      'ingested_at',
      'replicate',
      'weight',
    ]);
    expect(weights.PartitionKeys).toEqual(weightsPartitionKeys().map((c) => ({ Name: c.name, Type: c.type })));
    expect(weights.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(weights.StorageDescriptor.Location).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: bucketId('curated') }, '/weights/']],
    });
    expect(weights.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.survey.type': 'enum',
      'projection.survey.values': SURVEYS.map((survey) => survey.id).join(','),
      'projection.wave.type': 'integer',
      'storage.location.template': {
        // Athena's own placeholders, written literally into the table parameter.
        'Fn::Join': ['', ['s3://', { Ref: bucketId('curated') }, `/weights/survey=\${survey}/wave=\${wave}/`]],
      },
    });
  });
});

describe('the Athena workgroup', () => {
  it('enforces its result location and SSE-S3 encryption, engine 3 and a 10 GiB scan cap', () => {
    built.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: bucketId('athenaResults') }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });

  it('publishes one named query per queries/*.sql with its SQL text, in the workgroup and database', () => {
    const dir = path.join(PROJECT_ROOT, 'queries');
    const files = readdirSync(dir).filter((file) => file.endsWith('.sql'));
    expect(files).toHaveLength(12);
    const named = Object.values(resources('AWS::Athena::NamedQuery'));
    expect(named).toHaveLength(files.length);
    for (const file of files) {
      const name = file.slice(0, -4);
      const query = named.find((q) => q.Properties.Name === name);
      expect(query, name).toBeDefined();
      expect(query!.Properties.QueryString).toBe(readFileSync(path.join(dir, file), 'utf8'));
      expect(query!.Properties.Database).toBe(built.stack.catalog.databaseName);
      expect(query!.Properties.WorkGroup).toEqual({ Ref: logicalId(built.stack, built.stack.workgroup.workGroup) });
      expect(String(query!.Properties.Description).length).toBeLessThanOrEqual(1024);
    }
  });

  it('describes a named query from its metadata, with the execution parameters in order', () => {
    const named = Object.values(resources('AWS::Athena::NamedQuery'));
    const query = named.find((q) => q.Properties.Name === 'spinouts_by_sector')!;
    const meta = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'queries', 'spinouts_by_sector.meta.json'), 'utf8'));
    expect(query.Properties.Description).toContain(meta.title);
    expect(query.Properties.Description).toContain('Execution parameters, in order: survey, wave.');
  });
});

/** A function's environment variables in the template. */
function environment(fn: IConstruct): Record<string, unknown> {
  const resource = resources('AWS::Lambda::Function')[logicalId(built.stack, fn)]!;
  return (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('the functions', () => {
  const functions = () => ({
    ingest: built.stack.ingest.function,
    query: built.stack.functions.query,
    export: built.stack.functions.export,
    uploadUrl: built.stack.functions.uploadUrl,
  });

  it('run on the newest Node.js runtime this aws-cdk-lib offers with tracing, on arm64 but the ingest (DuckDB) on x86-64', () => {
    const newest = Object.entries(lambda.Runtime)
      .filter(([key]) => /^NODEJS_\d+_X$/.test(key))
      .map(([, runtime]) => runtime as lambda.Runtime)
      .sort((a, b) => Number(b.name.match(/\d+/)![0]) - Number(a.name.match(/\d+/)![0]))[0]!;
    expect(SURVEY_RUNTIME.name).toBe(newest.name);
    for (const [name, fn] of Object.entries(functions())) {
      const resource = resources('AWS::Lambda::Function')[logicalId(built.stack, fn)]!;
      expect(resource.Properties).toMatchObject({
        Runtime: newest.name,
        Architectures: [name === 'ingest' ? 'x86_64' : 'arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
    }
  });

  it('log JSON to their own log group with a retention', () => {
    for (const fn of Object.values(functions())) {
      const resource = resources('AWS::Lambda::Function')[logicalId(built.stack, fn)]!;
      const group = logicalId(built.stack, fn.logs);
      expect(resource.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: group }, LogFormat: 'JSON' });
      expect(resources('AWS::Logs::LogGroup')[group]!.Properties.RetentionInDays).toBe(90);
    }
  });

  it('give the ingest and export functions a lock table they may read and write, with a TTL on expiresAt', () => {
    const tables = resources('AWS::DynamoDB::GlobalTable');
    const [id, table] = Object.entries(tables)[0]!;
    expect(Object.keys(tables)).toHaveLength(1);
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const tableArn = JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
    for (const fn of [functions().ingest, functions().export]) {
      const env = environment(fn) as Record<string, unknown>;
      expect(env.LOCK_TABLE).toEqual({ Ref: id });
      // The statements of the policies attached to this function's role that name the table.
      const role = JSON.stringify({ Ref: logicalId(built.stack, fn.role!.node.defaultChild as CfnResource) });
      const statements = Object.values(resources('AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
        .flatMap(
          (policy) =>
            (policy.Properties.PolicyDocument as { Statement: { Action: string[]; Resource: unknown }[] }).Statement,
        )
        .filter((statement) => JSON.stringify(statement.Resource).includes(tableArn));
      const actions = statements.flatMap((statement) => statement.Action);
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem']));
    }
  });

  it('are told exactly the names of what they were granted', () => {
    const env = (fn: keyof ReturnType<typeof functions>) => Object.keys(environment(functions()[fn])).sort();
    const common = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME'];
    expect(env('ingest')).toEqual(
      [
        ...common,
        'CURATED_BUCKET',
        'GLUE_DATABASE',
        'GLUE_TABLE',
        'LOCK_TABLE',
        'ORG_KEY_SECRET_ARN',
        'POWERTOOLS_METRICS_NAMESPACE',
        'RAW_BUCKET',
        'REJECTED_ROWS_TAG',
        'REPORTS_BUCKET',
      ].sort(),
    );
    expect(env('query')).toEqual(
      [...common, 'ATHENA_WAIT_SECONDS', 'ATHENA_WORKGROUP', 'CURATED_BUCKET', 'GLUE_DATABASE', 'GLUE_TABLE'].sort(),
    );
    expect(env('export')).toEqual(
      [
        ...common,
        'ATHENA_WAIT_SECONDS',
        'ATHENA_WORKGROUP',
        'CURATED_BUCKET',
        'DISCLOSURE_P',
        'DISCLOSURE_THRESHOLD',
        'EXPORTS_BUCKET',
        'GLUE_DATABASE',
        'GLUE_TABLE',
        'LOCK_TABLE',
      ].sort(),
    );
    expect(env('uploadUrl')).toEqual([...common, 'MAX_UPLOAD_BYTES', 'RAW_BUCKET', 'URL_EXPIRES_SECONDS'].sort());
  });

  it('take the disclosure settings from the context, and refuse settings under the floors at synth', () => {
    const { stack, template } = surveyApp({ disclosureThreshold: '7', disclosureP: '12' });
    const fn = template.toJSON().Resources[logicalId(stack, stack.functions.export)];
    expect(fn.Properties.Environment.Variables).toMatchObject({ DISCLOSURE_THRESHOLD: '7', DISCLOSURE_P: '12' });
    expect(() => surveyApp({ disclosureThreshold: '2' })).toThrow(
      'infra: context disclosureThreshold / disclosureP: threshold must be a whole number from 3 to 1000, got 2',
    );
    expect(() => surveyApp({ disclosureP: '0' })).toThrow(
      'infra: context disclosureThreshold / disclosureP: p must be a number above 0 and at most 100, got 0',
    );
    expect(() => surveyApp({ disclosureThreshold: 'five' })).toThrow(/threshold must be a whole number .* got NaN/);
  });

  it('carry values that point at the right resources', () => {
    const vars = environment(built.stack.functions.export);
    expect(vars.EXPORTS_BUCKET).toEqual({ Ref: bucketId('exports') });
    expect(vars.ATHENA_WORKGROUP).toBe(built.stack.workgroup.workGroupName);
    expect(vars.GLUE_DATABASE).toBe('survey_lake_dev');
    expect(vars.POWERTOOLS_SERVICE_NAME).toBe('export');
    // The deployment's disclosure settings, by default threshold 5 and p = 10.
    expect([vars.DISCLOSURE_THRESHOLD, vars.DISCLOSURE_P]).toEqual(['5', '10']);
    const upload = environment(built.stack.functions.uploadUrl);
    expect(upload.MAX_UPLOAD_BYTES).toBe(String(256 * 1024 ** 2));
    expect(upload.URL_EXPIRES_SECONDS).toBe('900');
    const ingest = environment(built.stack.ingest.function);
    expect(ingest.POWERTOOLS_METRICS_NAMESPACE).toBe('survey/dev');
    expect(ingest.REJECTED_ROWS_TAG).toBe(`${REJECTED_ROWS_TAG.key}=${REJECTED_ROWS_TAG.value}`);
  });

  it('stop waiting for Athena (and stop the query) well before Lambda ends them', () => {
    for (const fn of [built.stack.functions.query, built.stack.functions.export]) {
      const timeout = resources('AWS::Lambda::Function')[logicalId(built.stack, fn)]!.Properties.Timeout as number;
      const wait = Number(environment(fn).ATHENA_WAIT_SECONDS);
      expect(wait).toBeGreaterThan(0);
      expect(wait + ATHENA_WAIT_MARGIN.toSeconds()).toBeLessThanOrEqual(timeout);
    }
  });

  it('give the upload-url function one alias per survey, named by the survey id', () => {
    const aliases = Object.values(resources('AWS::Lambda::Alias'));
    expect(aliases.map((alias) => alias.Properties.Name).sort()).toEqual(['fr-ess', 'uk-se']);
    for (const alias of aliases) {
      expect(alias.Properties.FunctionName).toEqual({ Ref: logicalId(built.stack, built.stack.functions.uploadUrl) });
    }
  });

  it('use roles without AWS managed policies', () => {
    for (const fn of Object.values(functions())) {
      const role = resources('AWS::IAM::Role')[logicalId(built.stack, fn.executionRole)]!;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('the user roles', () => {
  const roleResource = (role: IConstruct) => resources('AWS::IAM::Role')[logicalId(built.stack, role)]!;
  const users = () => [
    ...built.stack.roles.researchTeams.values(),
    built.stack.roles.policyAnalyst,
    built.stack.roles.department,
  ];

  it('give every survey of the deployment a research-team role of its own', () => {
    expect([...built.stack.roles.researchTeams.keys()]).toEqual(['uk-se', 'fr-ess']);
    const one = surveyApp({ surveys: 'uk-se' });
    expect([...one.stack.roles.researchTeams.keys()]).toEqual(['uk-se']);
    expect(Object.values(one.template.findResources('AWS::Lambda::Alias')).map((a) => a.Properties.Name)).toEqual([
      'uk-se',
    ]);
  });

  it('can be assumed only by a session of the account that signed in with MFA', () => {
    for (const role of users()) {
      expect(roleResource(role).Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: {
              AWS: {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
              },
            },
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
          },
        ],
      });
    }
  });
});

describe('the user roles for IAM Identity Center', () => {
  it('trust the given permission-set roles without the MFA key their sessions never carry', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Sso');
    const lake = new DataLake(stack, 'DataLake');
    const catalog = new Catalog(stack, 'Catalog', { curated: lake.curated });
    const workgroup = new QueryWorkgroup(stack, 'QueryWorkgroup', { lake, catalog, queriesDir: '/nonexistent' });
    const locks = new dynamodb.TableV2(stack, 'Locks', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const functions = new ServiceFunctions(stack, 'Functions', { lake, workgroup, locks, surveys: ['uk-se'] });
    const sso = new iam.ArnPrincipal(
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_UkSe_0123',
    );
    const roles = new UserRoles(stack, 'Roles', {
      lake,
      workgroup,
      functions,
      ingestRole: new iam.Role(stack, 'Ingest', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
      surveys: ['uk-se'],
      trustedPrincipal: sso,
      requireMfa: false,
    });
    const trust =
      Template.fromStack(stack).toJSON().Resources[
        stack.getLogicalId(roles.researchTeams.get('uk-se')!.node.defaultChild as CfnResource)
      ].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: sso.arn } }]);
  });
});

describe('the alarms', () => {
  const alarms = () => Object.values(resources('AWS::CloudWatch::Alarm'));
  const topic = () => ({ Ref: logicalId(built.stack, built.stack.alarms.topic) });

  it('all notify one encrypted, TLS-only topic that e-mails the address given in context', () => {
    expect(alarms().length).toBeGreaterThanOrEqual(10);
    for (const alarm of alarms()) expect(alarm.Properties.AlarmActions).toEqual([topic()]);
    const [topicResource] = Object.values(resources('AWS::SNS::Topic'));
    expect(topicResource?.Properties.KmsMasterKeyId).toBeDefined();
    built.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'alarms@example.org',
      TopicArn: topic(),
    });
    built.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] },
    });
  });

  it('let CloudWatch use the topic key, which SNS needs to accept an alarm', () => {
    const key =
      resources('AWS::KMS::Key')[logicalId(built.stack, built.stack.alarms.topic.masterKey as unknown as IConstruct)]!;
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
  });

  it('watch every function for errors and throttles', () => {
    const fns = [
      built.stack.ingest.function,
      built.stack.functions.query,
      built.stack.functions.export,
      built.stack.functions.uploadUrl,
    ];
    for (const fn of fns) {
      for (const metric of ['Errors', 'Throttles']) {
        const watching = alarms().filter(
          (alarm) =>
            alarm.Properties.MetricName === metric &&
            JSON.stringify(alarm.Properties.Dimensions) ===
              JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId(built.stack, fn) } }]),
        );
        expect(watching, `${fn.node.id} ${metric}`).toHaveLength(1);
        expect(watching[0]!.Properties).toMatchObject({ Threshold: 1, Statistic: 'Sum', Period: 300 });
      }
    }
  });

  it('fire when an upload waits longer than one visibility timeout', () => {
    const queue = resources('AWS::SQS::Queue')[logicalId(built.stack, built.stack.ingest.queue)]!;
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.ingest.queue), 'QueueName'] } },
      ],
      Threshold: queue.Properties.VisibilityTimeout,
    });
  });

  it('warn at synth when nobody is to be e-mailed', () => {
    const { stack } = surveyApp({ alarmEmail: undefined });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no -c alarmEmail'));
    expect(warnings).toHaveLength(1);
    expect(Template.fromStack(stack).findResources('AWS::SNS::Subscription')).toEqual({});
  });
});

describe('the stages', () => {
  it('tag every taggable resource with the project and the stage', () => {
    const untagged: string[] = [];
    let checked = 0;
    const visit = (node: IConstruct) => {
      if (node instanceof CfnResource && TagManager.isTaggable(node)) {
        const tags = resources(node.cfnResourceType)[built.stack.getLogicalId(node)]?.Properties.Tags as
          | { Key: string; Value: string }[]
          | Record<string, string>
          | undefined;
        const pairs = Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : (tags ?? {});
        if (pairs.project !== 'survey' || pairs.stage !== 'dev') untagged.push(node.node.path);
        checked += 1;
      }
      node.node.children.forEach(visit);
    };
    visit(built.stack);
    expect(untagged).toEqual([]);
    expect(checked).toBeGreaterThan(25);
  });

  it('synthesise dev and prod side by side in one app, with nothing named alike', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const dev = addStage(app, { stage: 'dev', surveys: ['uk-se', 'fr-ess'], alarmEmail: 'dev@example.org' });
    const prod = addStage(app, { stage: 'prod', surveys: ['uk-se', 'fr-ess'], alarmEmail: 'ops@example.org' });
    const assembly = app.synth();
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'SurveyPipeline-dev',
      'SurveyPipeline-prod',
    ]);
    // Every name the stacks give a resource themselves (the rest CloudFormation generates from the stack name).
    const names = (stack: SurveyStack) => {
      const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, Resource> };
      return Object.values(template.Resources).flatMap((resource) => {
        const p = resource.Properties ?? {};
        const given = [
          p.BucketName,
          p.FunctionName,
          p.RoleName,
          p.QueueName,
          p.TopicName,
          p.AlarmName,
          p.LogGroupName,
          (p.DatabaseInput as { Name?: unknown } | undefined)?.Name,
          resource.Type === 'AWS::Athena::WorkGroup' ? p.Name : undefined,
          resource.Type === 'AWS::Glue::Table'
            ? `${p.DatabaseName}.${(p.TableInput as { Name: string }).Name}`
            : undefined,
        ];
        return given.filter((name): name is string => typeof name === 'string');
      });
    };
    const devNames = names(dev);
    expect(devNames.length).toBeGreaterThanOrEqual(3);
    expect(names(prod).filter((name) => devNames.includes(name))).toEqual([]);
    expect(dev.catalog.databaseName).toBe('survey_lake_dev');
    expect(prod.catalog.databaseName).toBe('survey_lake_prod');
    expect(dev.workgroup.workGroupName).not.toBe(prod.workgroup.workGroupName);
    const namespace = (stack: SurveyStack) =>
      Template.fromStack(stack).findResources('AWS::Lambda::Function')[logicalId(stack, stack.ingest.function)]!
        .Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE as string;
    expect([namespace(dev), namespace(prod)]).toEqual(['survey/dev', 'survey/prod']);
  });

  it('read the stage, the surveys and the alarm e-mail from context, refusing bad values with one line', () => {
    const context = (values: Record<string, unknown>) => deploymentOf(new App({ context: values }));
    expect(context({})).toEqual({ stage: 'dev', surveys: ['uk-se', 'fr-ess'], alarmEmail: undefined });
    expect(context({ stage: 'prod', surveys: 'fr-ess', alarmEmail: 'ops@example.org' })).toEqual({
      stage: 'prod',
      surveys: ['fr-ess'],
      alarmEmail: 'ops@example.org',
    });
    expect(() => context({ stage: 'Prod-1' })).toThrow(/^infra: context "stage" expected lower-case letters/);
    expect(() => context({ surveys: 'uk-se,nope' })).toThrow(/unknown survey "nope"/);
    expect(() => context({ alarmEmail: 'ops' })).toThrow(/^infra: context "alarmEmail" .*; got "ops"$/);
  });
});

describe('the outputs', () => {
  it('name the buckets, the workgroup, the queue, the alarm topic and every role ARN', () => {
    const outputs = Object.keys(built.template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'RawBucketName',
        'CuratedBucketName',
        'ReportsBucketName',
        'ExportsBucketName',
        'AthenaResultsBucketName',
        'AthenaWorkGroupName',
        'GlueDatabaseName',
        'IngestQueueUrl',
        'ResearchTeamRoleArnUkSe',
        'ResearchTeamRoleArnFrEss',
        'PolicyAnalystRoleArn',
        'DepartmentRoleArn',
        'UploadUrlFunctionName',
        'AlarmTopicArn',
      ]),
    );
    built.template.hasOutput('ResearchTeamRoleArnFrEss', {
      Value: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.roles.researchTeams.get('fr-ess')!), 'Arn'] },
    });
  });
});
