// The V8 settings `survey ingest` runs with (bin/survey.js) and the benchmark measures with (bench/run.ts).
// An ingest streams, so its live memory is small, but V8 sizes its heap from the machine (4 GB here) and lets
// garbage pile up towards that: a cap makes it collect early and keeps peak RSS flat.
export const INGEST_HEAP_MB = 128;

// A large file is read by two threads, one per core. V8's collector would also run helper threads (parallel
// scavenges, concurrent marking and sweeping) that then take a core from the other thread; collecting on the
// thread that allocates was about 5% faster on 1M rows (5.30-5.46 s against 5.54-5.62 s, user CPU 9.5-9.9 s
// against 10.1-10.3 s), for 0-25 MB more peak RSS.
//
// V8 starts marking the old generation as soon as the room left under its limit is smaller than the young
// generation. An ingest's old generation stays small (13-20 MB), so that room never gets larger than the young
// generation, and marking ran nearly back to back: 19-21 full collections on a 1M-row ingest's first thread, 8
// of them during pass two, where the old generation grew by 1 MB between them. Starting it once half the room
// is used took those to 15 (marking 0.2 s, not 0.32 s), for about 10 MB of peak RSS; at 80% they were 9-10, but
// peak RSS was 15-25 MB higher.
export const INGEST_NODE_FLAGS = [
  `--max-old-space-size=${INGEST_HEAP_MB}`,
  '--single-threaded-gc',
  '--incremental-marking-soft-trigger=50',
];
