import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Catalog, DataLake, IngestPipeline, QueryWorkgroup, ServiceFunctions, UserRoles } from './constructs/index.ts';

/** The whole deployment (DESIGN.md "Architecture"): composes the domain constructs and holds no resource details. */
export class SurveyStack extends Stack {
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
  /** One role per kind of user. */
  readonly roles: UserRoles;

  /** Creates the stack. */
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.lake = new DataLake(this, 'DataLake');
    this.catalog = new Catalog(this, 'Catalog', { curated: this.lake.curated });
    this.workgroup = new QueryWorkgroup(this, 'QueryWorkgroup', { lake: this.lake, catalog: this.catalog });
    this.ingest = new IngestPipeline(this, 'IngestPipeline', { lake: this.lake, catalog: this.catalog });
    this.functions = new ServiceFunctions(this, 'Functions', { lake: this.lake, workgroup: this.workgroup });
    this.roles = new UserRoles(this, 'Roles', {
      lake: this.lake,
      workgroup: this.workgroup,
      functions: this.functions,
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
      ResearchTeamRoleArn: this.roles.researchTeam.roleArn,
      PolicyAnalystRoleArn: this.roles.policyAnalyst.roleArn,
      DepartmentRoleArn: this.roles.department.roleArn,
      QueryFunctionName: this.functions.query.functionName,
      ExportFunctionName: this.functions.export.functionName,
      UploadUrlFunctionName: this.functions.uploadUrl.functionName,
    };
    for (const [id, value] of Object.entries(outputs)) new CfnOutput(this, id, { value });
  }
}
