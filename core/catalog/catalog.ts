import type { WavePointer } from '../lake.ts';

/**
 * A catalog whose partitions follow the lake's wave pointers (Glue in the cloud; a local lake has none, DuckDB
 * reads the pointers). Part of the commit: every ingest attempt makes the catalog name the live pointer's
 * version, so one that died after its commit is completed by the next.
 */
export interface Catalog {
  /** Makes the wave's partition name the pointer's version; true when it had to be created or switched. */
  ensure(pointer: WavePointer): Promise<boolean>;
}
