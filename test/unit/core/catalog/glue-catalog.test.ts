import {
  CreatePartitionCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GlueCatalog } from '../../../../core/catalog/glue-catalog.ts';
import type { WavePointer } from '../../../../core/lake.ts';

// The Glue Data Catalog (Athena's catalog) cannot run here, like Athena itself: the API is stubbed, and the
// test checks the calls made, which is what the atomic switch depends on.
const glue = mockClient(GlueClient);
const pointer: WavePointer = {
  survey: 'uk-se',
  wave: 2023,
  version: 'v20261124T120000Z-abcd1234',
  files: ['curated/survey=uk-se/wave=2023/v20261124T120000Z-abcd1234/part-00000.parquet'],
  report: 'reports/survey=uk-se/wave=2023/v20261124T120000Z-abcd1234/report.json',
  rejected: 'reports/survey=uk-se/wave=2023/v20261124T120000Z-abcd1234/rejected.csv',
  sourceSha256: 'x',
  sourceFile: 'raw/survey=uk-se/wave=2023/w.csv',
  rows: 10,
  committedAt: '2026-11-24T12:00:00.000Z',
};
const table = {
  Table: {
    Name: 'responses',
    StorageDescriptor: {
      Columns: [{ Name: 'response_id', Type: 'string' }],
      Location: 's3://curated/curated/',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
  },
};
const catalog = () =>
  new GlueCatalog(new GlueClient({ region: 'eu-west-2' }), {
    database: 'survey_lake',
    table: 'responses',
    curatedRoot: 's3://curated-bucket',
  });

beforeEach(() => glue.reset());

describe('GlueCatalog', () => {
  it("creates a new wave's partition at its version's prefix, with the table's SerDe and columns", async () => {
    glue.on(GetTableCommand).resolves(table);
    glue.on(GetPartitionCommand).rejects(new EntityNotFoundException({ message: 'no partition', $metadata: {} }));
    glue.on(CreatePartitionCommand).resolves({});
    expect(await catalog().ensure(pointer)).toBe(true);
    const input = glue.commandCalls(CreatePartitionCommand)[0]!.args[0].input;
    expect(input.PartitionInput?.Values).toEqual(['uk-se', '2023']);
    expect(input.PartitionInput?.StorageDescriptor?.Location).toBe(
      's3://curated-bucket/curated/survey=uk-se/wave=2023/v20261124T120000Z-abcd1234/',
    );
    expect(input.PartitionInput?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toContain('ParquetHiveSerDe');
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(0);
  });

  it("switches an existing wave's partition to the new version in one UpdatePartition", async () => {
    glue.on(GetTableCommand).resolves(table);
    glue.on(GetPartitionCommand).resolves({
      Partition: {
        Values: ['uk-se', '2023'],
        StorageDescriptor: {
          Location: 's3://curated-bucket/curated/survey=uk-se/wave=2023/v20261001T000000Z-00000000/',
        },
      },
    });
    glue.on(UpdatePartitionCommand).resolves({});
    expect(await catalog().ensure(pointer)).toBe(true);
    const calls = glue.commandCalls(UpdatePartitionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.PartitionValueList).toEqual(['uk-se', '2023']);
    expect(calls[0]!.args[0].input.PartitionInput?.StorageDescriptor?.Location).toMatch(
      /v20261124T120000Z-abcd1234\/$/,
    );
    expect(glue.commandCalls(CreatePartitionCommand)).toHaveLength(0);
  });

  it('changes nothing when the partition names the version already (a retry after a completed switch)', async () => {
    glue.on(GetTableCommand).resolves(table);
    glue.on(GetPartitionCommand).resolves({
      Partition: { Values: ['uk-se', '2023'], StorageDescriptor: { Location: catalog().location(pointer) } },
    });
    expect(await catalog().ensure(pointer)).toBe(false);
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(0);
    expect(glue.commandCalls(CreatePartitionCommand)).toHaveLength(0);
  });

  it('passes on any other catalog failure', async () => {
    glue.on(GetTableCommand).resolves(table);
    glue.on(GetPartitionCommand).rejects(new Error('AccessDeniedException: not allowed'));
    await expect(catalog().ensure(pointer)).rejects.toThrow(/AccessDenied/);
  });
});
