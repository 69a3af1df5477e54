/** The old-space cap, in MB, that `survey ingest` runs with. */
export declare const INGEST_HEAP_MB: number;
