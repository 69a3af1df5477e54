// The heap settings `survey ingest` runs with (bin/survey.js) and the benchmark measures with (bench/run.ts).
// An ingest streams, so its live memory is small, but V8 sizes its heap from the machine (4 GB here) and lets
// garbage pile up towards that: a cap makes it collect early and keeps peak RSS flat.
export const INGEST_HEAP_MB = 128;

// An ingest allocates fast (every cell a string) but keeps only the batch in hand alive. A larger young
// generation than V8's default lets it scavenge less often for the same survivors: 1M rows on two threads, three
// interleaved runs each, 5.44-5.53 s against 5.65-6.29 s (user CPU 9.7 s against 10.3-11.2 s), for peak RSS
// 307-336 MB against 254-275 MB, under the 350 MB target.
export const INGEST_SEMI_SPACE_MB = 24;

/** The node flags of an ingest process. */
export const INGEST_NODE_FLAGS = [
  `--max-old-space-size=${INGEST_HEAP_MB}`,
  `--max-semi-space-size=${INGEST_SEMI_SPACE_MB}`,
];
