import { PassThrough } from 'node:stream';
import { generateWave } from './core/generate/index.ts';
import { sizeBand } from './schemas/index.ts';

const sink = new PassThrough();
sink.resume();
const t0 = performance.now();
const truth = await generateWave({ survey: 'uk-se', wave: 2023, rows: 2000, seed: 1, population: true }, sink);
console.log('ms', (performance.now() - t0).toFixed(0));
const p = truth.population!;
console.log('valid', truth.expected.valid, 'asked', p.asked, 'N', p.organisations, 'cells', p.frame.length);
const bands: Record<string, [number, number]> = {};
for (const c of p.frame) {
  bands[c.size_band] ??= [0, 0];
  bands[c.size_band]![0] += c.organisations;
}
for (const r of truth.records)
  if (r.employees !== null) {
    const b = sizeBand(r.employees);
    bands[b] ??= [0, 0];
    bands[b]![1]++;
  }
const tot = [0, 0];
for (const v of Object.values(bands)) {
  tot[0]! += v[0];
  tot[1]! += v[1];
}
for (const [b, v] of Object.entries(bands))
  console.log(b, ((100 * v[0]) / tot[0]!).toFixed(1), ((100 * v[1]) / tot[1]!).toFixed(1));
const sp = truth.records.filter((r) => r.is_spinout).length / truth.records.length;
const popsp = p.sector_estimates.reduce((a, s) => a + s.spinouts, 0) / p.organisations;
console.log('spinout share sample', sp.toFixed(3), 'pop', popsp.toFixed(3));
console.log(p.growth_estimates.slice(0, 3), p.spinout_estimates.slice(0, 5));
