/** The old-space cap, in MB, that `survey ingest` runs with. */
export declare const INGEST_HEAP_MB: number;
/** The Node/V8 flags `survey ingest` runs with: the heap cap, garbage collection on the allocating thread, and a later start of old-generation marking. */
export declare const INGEST_NODE_FLAGS: readonly string[];
