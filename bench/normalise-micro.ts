// Micro-benchmark of the per-row heart of ingest: parse, normalise and validate one row, in µs per row.
// Run: node bin/run-ts.js bench/normalise-micro.ts [rows]
import { performance } from 'node:perf_hooks';
import { matchHeaders } from '../core/ingest/headers.ts';
import { createNormaliser } from '../core/ingest/normalise.ts';
import { orgId } from '../core/ingest/org-id.ts';
import { CanonicalRecordSchema, getSurvey } from '../schemas/index.ts';

const rows = Number(process.argv[2] ?? 200_000);
const survey = getSurvey('uk-se');
const header = [
  'Respondent ID',
  'Submitted',
  'Organisation name',
  'Registered number',
  'Postcode',
  'Email',
  'Legal form',
  'Spun out of the public sector?',
  'Year of spin-out',
  'Parent public body',
  'Main sector',
  'Region',
  'Year established',
  'Number of employees',
  'Number of volunteers',
  'Annual turnover',
  'Turnover, year before',
  'Turnover trend',
  '% income from public sector',
  '% of surplus reinvested',
  'Employee-owned?',
  'Staff involved in strategy decisions',
  'Staff involved in policy and procedures',
  'Staff involved in day-to-day operations',
  'Measures social value',
  'New services',
];
const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;
const data: string[][] = [];
for (let i = 0; i < 10_000; i++) {
  const spinout = i % 3 === 0;
  data.push([
    `R${i}`,
    pick(['2023-05-04T10:22:00Z', '04/05/2023 10:22', '2023-06-01'], i),
    `Org ${i}`,
    i % 4 ? `SC${100000 + i}` : '',
    'AB1 2CD',
    'x@y.z',
    pick(['CIC', 'Co-operative', 'charity', 'Company limited by guarantee'], i),
    spinout ? 'Yes' : 'No',
    spinout ? String(2000 + (i % 20)) : '',
    spinout ? pick(['NHS', 'Council', 'Government department'], i) : '',
    pick(['Health', 'Social care', 'Education', 'Housing', 'Arts & culture'], i),
    pick(['London', 'TLC', 'Wales', ''], i),
    String(1950 + (i % 70)),
    String(i % 500),
    pick(['12', '', '3'], i),
    pick(['£1.2m', '125,000', '850k', '1200000'], i),
    pick(['£1,100,000', '100000', '', '750k'], i),
    pick(['Increased', 'Same', 'Decreased', ''], i),
    pick(['45%', '100', '0', ''], i),
    pick(['50', '', '100%'], i),
    pick(['yes', 'no', ''], i),
    pick(['Yes', 'No'], i),
    pick(['y', 'n'], i),
    pick(['TRUE', 'false'], i),
    pick(['Yes', "Don't know"], i),
    pick(['x', ''], i),
  ]);
}
const normalise = createNormaliser({
  survey,
  wave: 2023,
  header: matchHeaders(header, survey),
  headerLength: header.length,
  orgKey: 'bench-key',
  sourceFile: 'bench.csv',
  ingestedAt: Date.now(),
});
let rejected = 0;
for (let i = 0; i < 20_000; i++) normalise(data[i % data.length]!, i + 2); // warm-up
const cpuStart = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < rows; i++) if (normalise(data[i % data.length]!, i + 2).record === null) rejected++;
const micros = ((performance.now() - start) * 1000) / rows;
const cpu = process.cpuUsage(cpuStart);
// CPU time as well as wall time: on a shared machine the wall clock also counts other processes' turns.
const cpuMicros = (cpu.user + cpu.system) / rows;
console.log(
  `normalise: ${rows} rows, ${micros.toFixed(2)} µs/row wall, ${cpuMicros.toFixed(2)} µs/row CPU, ${rejected} rejected`,
);

/** CPU µs per call of `work`, over `rows` calls. */
function cpuMicrosPer(work: (i: number) => unknown): number {
  const before = process.cpuUsage();
  for (let i = 0; i < rows; i++) work(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / rows;
}
// The two fixed costs inside every row, for the breakdown: schema validation and the org_id HMAC.
const sample = normalise(data[0]!, 2).record!;
const zodMicros = cpuMicrosPer(() => CanonicalRecordSchema.safeParse(sample));
const hmacMicros = cpuMicrosPer((i) => orgId('bench-key', { registrationNumber: `SC${100000 + (i % 10_000)}` }));
console.log(
  `  of which CanonicalRecordSchema.safeParse ≈ ${zodMicros.toFixed(2)} µs, orgId ≈ ${hmacMicros.toFixed(2)} µs`,
);
