/** The old-space cap of an ingest process, in MB (see heap.js). */
export declare const INGEST_HEAP_MB: number;
/** The largest semi-space of an ingest process's young generation, in MB (see heap.js). */
export declare const INGEST_SEMI_SPACE_MB: number;
/** The node flags of an ingest process. */
export declare const INGEST_NODE_FLAGS: readonly string[];
