import {
  CreatePartitionCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  type GlueClient,
  UpdatePartitionCommand,
} from '@aws-sdk/client-glue';
import type { WavePointer } from '../lake.ts';
import type { Catalog } from './catalog.ts';

/** The Glue table whose partitions follow the lake's wave pointers. */
export interface GlueCatalogOptions {
  readonly database: string;
  readonly table: string;
  /** s3://bucket/ that holds curated/ (the version prefixes live under it). */
  readonly curatedRoot: string;
}

/**
 * Keeps the Glue partition of a wave pointing at its live version. Athena reads a partition's location, so
 * switching that location (one UpdatePartition call) is the cloud's atomic commit: a query sees the old
 * version or the new one. Partition projection would glob the wave prefix and could see both versions.
 */
export class GlueCatalog implements Catalog {
  /** Wraps a client and the table. */
  constructor(
    private readonly client: GlueClient,
    private readonly options: GlueCatalogOptions,
  ) {}

  /** The S3 location of one committed version of a wave. */
  location(pointer: WavePointer): string {
    const root = this.options.curatedRoot.replace(/\/?$/, '/');
    return `${root}curated/survey=${pointer.survey}/wave=${pointer.wave}/${pointer.version}/`;
  }

  /** Creates the wave's partition or switches it to the pointer's version, unless it names it already. */
  async ensure(pointer: WavePointer): Promise<boolean> {
    const { database, table } = this.options;
    const values = [pointer.survey, String(pointer.wave)];
    let current: string | undefined;
    let exists = true;
    try {
      const { Partition } = await this.client.send(
        new GetPartitionCommand({ DatabaseName: database, TableName: table, PartitionValues: values }),
      );
      current = Partition?.StorageDescriptor?.Location;
    } catch (error) {
      if (!(error instanceof EntityNotFoundException) && (error as Error).name !== 'EntityNotFoundException')
        throw error;
      exists = false;
    }
    if (current === this.location(pointer)) return false;
    const { Table } = await this.client.send(new GetTableCommand({ DatabaseName: database, Name: table }));
    const descriptor = { ...Table?.StorageDescriptor, Location: this.location(pointer) };
    const input = { Values: values, StorageDescriptor: descriptor };
    if (!exists) {
      await this.client.send(
        new CreatePartitionCommand({ DatabaseName: database, TableName: table, PartitionInput: input }),
      );
      return true;
    }
    await this.client.send(
      new UpdatePartitionCommand({
        DatabaseName: database,
        TableName: table,
        PartitionValueList: values,
        PartitionInput: input,
      }),
    );
    return true;
  }
}
