import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  glueColumns,
  gluePartitionKeys,
  SURVEYS,
  weightsGlueColumns,
  weightsPartitionKeys,
} from '../../schemas/index.ts';
import { LAKE_PREFIXES, WEIGHTS_PREFIX } from './data-lake.ts';
import { acknowledgePrefixGrant } from './nag.ts';
import { configure } from './survey-function.ts';

/** The curated table's name: saved queries say `from responses` and the engine resolves it. */
export const RESPONSES_TABLE = 'responses';
/** The calibration weights' table (survey weight), which the weighted saved queries join. */
export const WEIGHTS_TABLE = 'weights';

/** Props of {@link Catalog}. */
export interface CatalogProps {
  /** The bucket holding curated/. */
  readonly curated: s3.IBucket;
  /** The Glue database's name (lower case, digits and underscores, as Athena wants). @default 'survey_lake' */
  readonly databaseName?: string;
}

/**
 * The Glue database, the `responses` table over curated/ Parquet and the `weights` table over weights/ (in the
 * curated bucket): columns derived from the zod schemas (schemas/), partitioned by survey and wave.
 *
 * Partitions are CATALOG partitions, not partition projection. Re-ingesting a wave writes the new Parquet under a
 * new version prefix, curated/survey=<id>/wave=<year>/<version>/, and then switches that one partition's location
 * to it (glue:CreatePartition the first time, glue:UpdatePartition after): a single catalog write, so an Athena
 * query plans against the old version or the new one, never a mix and never both. Partition projection has no
 * such switch: its location template would have to cover the whole wave prefix and would read every version
 * present under it while the old one is being deleted.
 */
export class Catalog extends Construct {
  /** The Glue database. */
  readonly database: glue.CfnDatabase;
  /** The `responses` table. */
  readonly table: glue.CfnTable;
  /** The `weights` table. */
  readonly weightsTable: glue.CfnTable;
  /** The database's name. */
  readonly databaseName: string;
  /** The table's name: {@link RESPONSES_TABLE}. */
  readonly tableName = RESPONSES_TABLE;

  /** Creates the database and the table. */
  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.databaseName = props.databaseName ?? 'survey_lake';
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: 'Sector survey lake: curated canonical records' },
    });
    this.table = new glue.CfnTable(this, 'ResponsesTable', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        name: RESPONSES_TABLE,
        description: 'Canonical survey records, one row per accepted response (CODEBOOK.md)',
        tableType: 'EXTERNAL_TABLE',
        parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
        partitionKeys: gluePartitionKeys().map(toGlueColumn),
        storageDescriptor: {
          columns: glueColumns().map(toGlueColumn),
          location: `s3://${props.curated.bucketName}/${LAKE_PREFIXES.curated}`,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
        },
      },
    });
    this.table.addResourceDependency(this.database);

    // The weights of a wave are one object, replaced whole by survey weight, so partition projection (no
    // catalog writes) cannot see a mix: a query reads the old file or the new one.
    const weightsRoot = `s3://${props.curated.bucketName}/${WEIGHTS_PREFIX}`;
    const firstWave = Math.min(...SURVEYS.map((survey) => survey.firstWave));
    this.weightsTable = new glue.CfnTable(this, 'WeightsTable', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        name: WEIGHTS_TABLE,
        description: 'Calibration weights of each wave and their jackknife replicates (survey weight)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'parquet',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.survey.type': 'enum',
          'projection.survey.values': SURVEYS.map((survey) => survey.id).join(','),
          'projection.wave.type': 'integer',
          // A fixed upper year keeps the synthesised template the same whenever it is built.
          'projection.wave.range': `${firstWave},2100`,
          'storage.location.template': `${weightsRoot}survey=\${survey}/wave=\${wave}/`,
        },
        partitionKeys: weightsPartitionKeys().map(toGlueColumn),
        storageDescriptor: {
          columns: weightsGlueColumns().map(toGlueColumn),
          location: weightsRoot,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
        },
      },
    });
    this.weightsTable.addResourceDependency(this.database);
    this.curated = props.curated;
  }

  private readonly curated: s3.IBucket;

  /** The ARNs a Glue call on the table is authorised against: the catalog, the database and the table. */
  get arns(): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${RESPONSES_TABLE}` }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${WEIGHTS_TABLE}` }),
    ];
  }

  /**
   * Lets the grantee read the tables' definitions and partitions, as Athena needs (GLUE_DATABASE, GLUE_TABLE),
   * and the weights' objects (the curated/ objects are granted by the data lake).
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const objects = `${WEIGHTS_PREFIX}*`;
    this.curated.grantRead(grantee, objects);
    acknowledgePrefixGrant(grantee, this.curated.arnForObjects(objects), 'read', 'reading the calibration weights');
    return this.grant(grantee, [
      'glue:GetDatabase',
      'glue:GetDatabases',
      'glue:GetTable',
      'glue:GetTables',
      'glue:GetPartition',
      'glue:GetPartitions',
      'glue:BatchGetPartition',
    ]);
  }

  /** Lets the grantee create and switch the table's partitions, i.e. commit a wave version (GLUE_DATABASE, GLUE_TABLE). */
  grantCommitPartitions(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, [
      'glue:GetTable',
      'glue:GetPartition',
      'glue:GetPartitions',
      'glue:CreatePartition',
      'glue:BatchCreatePartition',
      'glue:UpdatePartition',
    ]);
  }

  /** Grants `actions` on the database and table, and tells the grantee (a function) their names. */
  private grant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    configure(grantee, 'GLUE_DATABASE', this.databaseName);
    configure(grantee, 'GLUE_TABLE', RESPONSES_TABLE);
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: this.arns });
  }
}

function toGlueColumn(column: { name: string; type: string; comment?: string }): glue.CfnTable.ColumnProperty {
  return column.comment === undefined
    ? { name: column.name, type: column.type }
    : { name: column.name, type: column.type, comment: column.comment };
}
