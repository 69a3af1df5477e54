import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, SURVEY_RUNTIME } from '../../infra/constructs/index.ts';
import { glueColumns, gluePartitionKeys } from '../../schemas/index.ts';
import { logicalId, removeSurveyApps, surveyApp } from './survey-app.ts';

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
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
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

  it('alarms as soon as one message is in the dead-letter queue', () => {
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
    });
  });

  it('feeds the ingest function from the queue with partial batch failures and bounded concurrency', () => {
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.ingest.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(built.stack, built.stack.ingest.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
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
  const table = () => Object.values(resources('AWS::Glue::Table'))[0]!.Properties.TableInput as TableInput;

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
    expect(files).toHaveLength(9);
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

  it('log to their own log group with a retention', () => {
    for (const fn of Object.values(functions())) {
      const resource = resources('AWS::Lambda::Function')[logicalId(built.stack, fn)]!;
      const group = logicalId(built.stack, fn.logs);
      expect(resource.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: group } });
      expect(resources('AWS::Logs::LogGroup')[group]!.Properties.RetentionInDays).toBe(90);
    }
  });

  it('are told exactly the names of what they were granted', () => {
    const env = (fn: keyof ReturnType<typeof functions>) =>
      Object.keys(
        (
          resources('AWS::Lambda::Function')[logicalId(built.stack, functions()[fn])]!.Properties.Environment as {
            Variables: Record<string, unknown>;
          }
        ).Variables,
      ).sort();
    expect(env('ingest')).toEqual(
      [
        'CURATED_BUCKET',
        'GLUE_DATABASE',
        'GLUE_TABLE',
        'NODE_OPTIONS',
        'ORG_KEY_SECRET_ARN',
        'RAW_BUCKET',
        'REPORTS_BUCKET',
      ].sort(),
    );
    expect(env('query')).toEqual(
      ['ATHENA_WORKGROUP', 'CURATED_BUCKET', 'GLUE_DATABASE', 'GLUE_TABLE', 'NODE_OPTIONS'].sort(),
    );
    expect(env('export')).toEqual(
      ['ATHENA_WORKGROUP', 'CURATED_BUCKET', 'EXPORTS_BUCKET', 'GLUE_DATABASE', 'GLUE_TABLE', 'NODE_OPTIONS'].sort(),
    );
    expect(env('uploadUrl')).toEqual(['MAX_UPLOAD_BYTES', 'NODE_OPTIONS', 'RAW_BUCKET', 'URL_EXPIRES_SECONDS']);
  });

  it('carry values that point at the right resources', () => {
    const vars = (
      resources('AWS::Lambda::Function')[logicalId(built.stack, built.stack.functions.export)]!.Properties
        .Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(vars.EXPORTS_BUCKET).toEqual({ Ref: bucketId('exports') });
    expect(vars.ATHENA_WORKGROUP).toBe(built.stack.workgroup.workGroupName);
    expect(vars.GLUE_DATABASE).toBe('survey_lake');
    const upload = (
      resources('AWS::Lambda::Function')[logicalId(built.stack, built.stack.functions.uploadUrl)]!.Properties
        .Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(upload.MAX_UPLOAD_BYTES).toBe(String(512 * 1024 ** 2));
    expect(upload.URL_EXPIRES_SECONDS).toBe('900');
  });

  it('use roles without AWS managed policies', () => {
    for (const fn of Object.values(functions())) {
      const role = resources('AWS::IAM::Role')[logicalId(built.stack, fn.executionRole)]!;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('the outputs', () => {
  it('name the buckets, the workgroup, the queue and the three role ARNs', () => {
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
        'ResearchTeamRoleArn',
        'PolicyAnalystRoleArn',
        'DepartmentRoleArn',
      ]),
    );
    built.template.hasOutput('DepartmentRoleArn', {
      Value: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.roles.department), 'Arn'] },
    });
  });
});
