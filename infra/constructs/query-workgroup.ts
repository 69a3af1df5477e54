import path from 'node:path';
import { Names, Size, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Catalog } from './catalog.ts';
import { type DataLake, LAKE_PREFIXES } from './data-lake.ts';
import { readSavedQueryFiles } from './saved-query-files.ts';
import { configure, PROJECT_ROOT } from './survey-function.ts';

/** Props of {@link QueryWorkgroup}. */
export interface QueryWorkgroupProps {
  /** The lake: its curated bucket is read, its Athena-results bucket receives results. */
  readonly lake: DataLake;
  /** The catalog the queries run against. */
  readonly catalog: Catalog;
  /** The directory of saved queries (`<name>.sql` + `<name>.meta.json`). @default `<project>/queries` */
  readonly queriesDir?: string;
  /** The most a single query may scan before Athena cancels it. @default Size.gibibytes(10) */
  readonly bytesScannedCutoffPerQuery?: Size;
}

/**
 * The Athena workgroup analysts and the query/export functions run in: engine version 3, result location and
 * SSE-S3 result encryption enforced (a client cannot send results elsewhere or unencrypted), a cap on the bytes
 * each query scans, and one named query per saved query so analysts find them in the console.
 */
export class QueryWorkgroup extends Construct {
  /** The workgroup. */
  readonly workGroup: athena.CfnWorkGroup;
  /** The workgroup's name. */
  readonly workGroupName: string;
  /** One named query per saved query, by saved-query name. */
  readonly namedQueries: ReadonlyMap<string, athena.CfnNamedQuery>;
  private readonly lake: DataLake;
  private readonly catalog: Catalog;

  /** Creates the workgroup and its named queries. */
  constructor(scope: Construct, id: string, props: QueryWorkgroupProps) {
    super(scope, id);
    this.lake = props.lake;
    this.catalog = props.catalog;
    // Unique per stack and stable across deployments (derived from the construct path).
    this.workGroupName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }).toLowerCase();
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Saved queries over the sector survey lake',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes(),
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.lake.athenaResults.bucketName}/${LAKE_PREFIXES.athenaResults}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    const named = new Map<string, athena.CfnNamedQuery>();
    for (const query of readSavedQueryFiles(props.queriesDir ?? path.join(PROJECT_ROOT, 'queries'))) {
      const resource = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: query.name,
        description: query.description,
        database: props.catalog.databaseName,
        workGroup: this.workGroup.ref,
        queryString: query.sql,
      });
      resource.addResourceDependency(props.catalog.database);
      named.set(query.name, resource);
    }
    this.namedQueries = named;
  }

  /** The workgroup's ARN. */
  get workGroupArn(): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
  }

  /**
   * Lets the grantee run queries in this workgroup and nowhere else, read the catalog and curated/, and read and
   * write the workgroup's results (ATHENA_WORKGROUP, plus the catalog's and curated bucket's variables).
   */
  grantQuery(grantee: iam.IGrantable): void {
    configure(grantee, 'ATHENA_WORKGROUP', this.workGroupName);
    // Athena has no grant method: the actions below are what running a query, reading its results and finding
    // the named queries need, on this workgroup's ARN only.
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        'athena:GetQueryExecution',
        'athena:BatchGetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetQueryRuntimeStatistics',
        'athena:ListQueryExecutions',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:GetNamedQuery',
        'athena:BatchGetNamedQuery',
      ],
      resourceArns: [this.workGroupArn],
    });
    this.catalog.grantRead(grantee);
    this.lake.grantReadCurated(grantee);
    this.lake.grantReadWriteAthenaResults(grantee);
  }
}
