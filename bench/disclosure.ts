// Benchmark: suppress and verify a 200 × 12 two-way table with a total row and a total column (issue 5:
// target under 200 ms, median of 5). Runnable alone: node bin/run-ts.js bench/disclosure.ts
import { pathToFileURL } from 'node:url';
import { gridFromContributions, suppress, verifyProtected } from '../core/disclosure/index.ts';

/** A deterministic pseudo-random generator (mulberry32), so every run measures the same table. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Contributions of a 200 × 12 table of turnover sums: about one cell in six is small or dominated. */
function benchTable(rows = 200, cols = 12) {
  const next = random(2023);
  const body = Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => {
      const n = next() < 0.12 ? Math.floor(next() * 5) : 5 + Math.floor(next() * 40);
      const values = Array.from({ length: n }, () => Math.round(10_000 + next() * 500_000));
      if (next() < 0.04 && values.length > 0) values[0] = 50_000_000;
      return values;
    }),
  );
  return gridFromContributions(body, 'sum');
}

/** Prints the median of 5 timings of suppress + verify on a 200 × 12 table with totals; returns it in ms. */
export function benchDisclosure(): number {
  const table = benchTable();
  const times: number[] = [];
  let summary = '';
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const result = suppress(table);
    const verdict = verifyProtected(result.table);
    times.push(performance.now() - start);
    if (!verdict.ok) throw new Error(`bench: the benchmark table failed verification (${verdict.determined.length})`);
    const c = result.counts;
    summary = `${table.cells.length} cells; threshold ${c.threshold}, dominance ${c.dominance}, linked ${c.linked}, secondary ${c.secondary}`;
  }
  times.sort((a, b) => a - b);
  const median = times[2]!;
  process.stdout.write(
    `disclosure: suppress + verify 200 × 12 table with totals: median ${median.toFixed(1)} ms of 5 (target < 200 ms); ${summary}\n`,
  );
  return median;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) benchDisclosure();
