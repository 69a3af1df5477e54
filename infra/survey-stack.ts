import { CfnOutput, Size, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  Alarms,
  Catalog,
  DataLake,
  IngestPipeline,
  QueryWorkgroup,
  ServiceFunctions,
  UserRoles,
} from './constructs/index.ts';

/** Props of {@link SurveyStack}. */
export interface SurveyStackProps extends StackProps {
  /** The stage (dev, prod, ...): names that must differ between stages in one account carry it. */
  readonly stage: string;
  /** The surveys that get a research-team role and an upload alias of their own. */
  readonly surveys: readonly string[];
  /** Who is e-mailed when an alarm fires. @default nobody (the topic has no subscriber) */
  readonly alarmEmail?: string;
  /** The largest wave file the upload URL allows; the ingest function's /tmp and timeout follow from it. @default Size.mebibytes(256) */
  readonly maxUploadSize?: Size;
}

/** The whole deployment (DESIGN.md "Architecture"): composes the domain constructs and holds no resource details. */
export class SurveyStack extends Stack {
  /** The stage this stack deploys. */
  readonly stage: string;
  /** The buckets. */
  readonly lake: DataLake;
  /** The Glue database and `responses` table. */
  readonly catalog: Catalog;
  /** The Athena workgroup and named queries. */
  readonly workgroup: QueryWorkgroup;
  /** S3 event → SQS → ingest function. */
  readonly ingest: IngestPipeline;
  /** The query, export and upload-URL functions. */
  readonly functions: ServiceFunctions;
  /** One role per kind of user, and one per survey's research team. */
  readonly roles: UserRoles;
  /** The alarms and the topic they notify. */
  readonly alarms: Alarms;

  /** Creates the stack. */
  constructor(scope: Construct, id: string, props: SurveyStackProps) {
    super(scope, id, props);
    this.stage = props.stage;
    const maxUploadSize = props.maxUploadSize ?? Size.mebibytes(256);
    this.lake = new DataLake(this, 'DataLake');
    this.catalog = new Catalog(this, 'Catalog', {
      curated: this.lake.curated,
      databaseName: `survey_lake_${props.stage}`,
    });
    this.workgroup = new QueryWorkgroup(this, 'QueryWorkgroup', { lake: this.lake, catalog: this.catalog });
    this.ingest = new IngestPipeline(this, 'IngestPipeline', {
      lake: this.lake,
      catalog: this.catalog,
      maxUploadSize,
      metricsNamespace: `survey/${props.stage}`,
    });
    this.functions = new ServiceFunctions(this, 'Functions', {
      lake: this.lake,
      workgroup: this.workgroup,
      locks: this.ingest.locks,
      surveys: props.surveys,
      maxUploadSize,
    });
    this.roles = new UserRoles(this, 'Roles', {
      lake: this.lake,
      workgroup: this.workgroup,
      functions: this.functions,
      ingestRole: this.ingest.function.executionRole,
      surveys: props.surveys,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      ingest: this.ingest,
      functions: [this.ingest.function, this.functions.query, this.functions.export, this.functions.uploadUrl],
      email: props.alarmEmail,
    });

    const outputs: Record<string, string> = {
      RawBucketName: this.lake.raw.bucketName,
      CuratedBucketName: this.lake.curated.bucketName,
      ReportsBucketName: this.lake.reports.bucketName,
      ExportsBucketName: this.lake.exports.bucketName,
      AthenaResultsBucketName: this.lake.athenaResults.bucketName,
      AccessLogsBucketName: this.lake.accessLogs.bucketName,
      GlueDatabaseName: this.catalog.databaseName,
      AthenaWorkGroupName: this.workgroup.workGroupName,
      IngestQueueUrl: this.ingest.queue.queueUrl,
      IngestDeadLetterQueueUrl: this.ingest.deadLetterQueue.queueUrl,
      IngestLockTableName: this.ingest.locks.tableName,
      PolicyAnalystRoleArn: this.roles.policyAnalyst.roleArn,
      DepartmentRoleArn: this.roles.department.roleArn,
      QueryFunctionName: this.functions.query.functionName,
      ExportFunctionName: this.functions.export.functionName,
      UploadUrlFunctionName: this.functions.uploadUrl.functionName,
      AlarmTopicArn: this.alarms.topic.topicArn,
    };
    for (const [survey, team] of this.roles.researchTeams) {
      outputs[`ResearchTeamRoleArn${pascal(survey)}`] = team.roleArn;
    }
    for (const [id, value] of Object.entries(outputs)) new CfnOutput(this, id, { value });
  }
}

/** "uk-se" → "UkSe", for output ids. */
function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
