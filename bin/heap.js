// The old-space cap `survey ingest` runs with (bin/survey.js) and the benchmark measures with (bench/run.ts).
// An ingest streams, so its live memory is small, but V8 sizes its heap from the machine (4 GB here) and lets
// garbage pile up towards that: a cap makes it collect early and keeps peak RSS flat.
export const INGEST_HEAP_MB = 128;
