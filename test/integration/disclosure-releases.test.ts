// No differencing between releases (DESIGN.md "Disclosure control for exports"), attacked from the outside: tables
// that share cells released one after another, and a wave revised (the same file minus one record) and released
// again, read together by the intruder of test/helpers/attack.ts.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attack, differencing } from '../helpers/attack.ts';
import { FROM, Lake, RULES, show, TO, withoutRecord } from '../helpers/attack-lake.ts';

describe('tables that share cells', () => {
  // fr-ess, 50 rows, seed 11: protected one table at a time, the 2021 spin-outs of wave_summary fall short.
  it.each([
    ['uk-se', 90, 4],
    ['fr-ess', 50, 11],
  ])(
    'show one suppression pattern for their shared cells, even with no ledger between releases (%s, %i rows, seed %i)',
    async (survey, rows, seed) => {
      const lake = new Lake(survey, rows, seed);
      try {
        await lake.ingest(FROM, 'a');
        await lake.ingest(TO, 'a');
        const wave = { survey: lake.survey, wave: String(TO) };
        for (const [name, params] of [
          ['sector_profile', wave],
          ['wave_summary', { survey: lake.survey }],
          ['spinouts_by_sector', wave],
          ['governance_and_value', wave],
        ] as const) {
          await lake.export(name, params);
          // Each release made as if it were the first: only linking can keep the patterns in step.
          rmSync(join(lake.dir, 'lake', 'exports', '_ledger'), { recursive: true, force: true });
        }
        const result = await attack(lake.tables, lake.records, RULES);
        expect(show(result.findings)).toEqual([]);
        // A cell shown by two tables is suppressed in both or in neither.
        const statuses = new Map<string, Set<string>>();
        for (const table of lake.tables) {
          const single = await attack([table], lake.records, RULES);
          for (const n of single.meanings.keys()) {
            const status = single.published.has(n) ? 'published' : single.suppressed.has(n) ? 'suppressed' : undefined;
            if (status) statuses.set(n, new Set([...(statuses.get(n) ?? []), status]));
          }
        }
        const mixed = [...statuses].filter(([, set]) => set.size > 1).map(([n]) => n);
        expect(mixed).toEqual([]);
        // Shared cells there were: each wave's Total is a row of wave_summary.
        expect([...statuses.keys()].filter((n) => n.includes('"wave 2023",[],"count"'))).toHaveLength(1);
      } finally {
        lake.close();
      }
    },
  );
});

describe('a revised wave (the same file minus one record), exported before and after', () => {
  for (const [survey, rows, seed] of [
    ['uk-se', 120, 7],
    ['fr-ess', 120, 8],
  ] as const) {
    it(`lets no reader difference the two releases of ${survey} to the removed organisation`, async () => {
      const lake = new Lake(survey, rows, seed);
      try {
        await lake.ingest(FROM, 'a');
        const file = await lake.ingest(TO, 'v1');
        await lake.exportAll();
        // The revision: one valid record removed from the file (its bytes, whatever their encoding), re-ingested.
        const kept = lake.truths[TO]!.records;
        const victim = withoutRecord(file, lake.truths[TO]!, Math.floor(kept.length / 2));
        await lake.ingest(TO, 'v2', victim.bytes);
        const before = lake.records[`${TO}:v1`]!;
        const after = lake.records[`${TO}:v2`]!;
        // Exactly that organisation is gone, and nothing else changed.
        expect(before.filter((r) => !after.some((o) => o.org_id === r.org_id)).map((r) => r.org_id)).toEqual([
          victim.orgId,
        ]);
        expect(after.length).toBe(before.length - 1);
        await lake.exportAll();
        const result = await attack(lake.tables, lake.records, RULES);
        expect(show(result.findings)).toEqual([]);
        const diff = differencing(result, `${TO}:v1`, `${TO}:v2`, lake.records, RULES);
        expect(show(diff.findings)).toEqual([]);
        // The revision changed cells that each release shows.
        expect(diff.pairs).toBeGreaterThan(20);
        expect(diff.sensitive).toBeGreaterThan(0);
      } finally {
        lake.close();
      }
    });
  }

  it('lets no reader difference them when the earlier version is no longer in the lake', async () => {
    const lake = new Lake('uk-se', 120, 9);
    try {
      await lake.ingest(FROM, 'a');
      const file = await lake.ingest(TO, 'v1');
      const tables = ['sector_profile', 'spinouts_by_sector', 'governance_and_value'] as const;
      for (const name of tables) await lake.export(name, { survey: 'uk-se', wave: String(TO) });
      await lake.export('wave_summary', { survey: 'uk-se' });
      // Two revisions: a commit keeps only the version it replaces, so v1's files are gone after the second.
      const kept = lake.truths[TO]!.records;
      const first = withoutRecord(file, lake.truths[TO]!, 10);
      await lake.ingest(TO, 'v2', first.bytes);
      const twice = join(lake.dir, 'twice.csv');
      writeFileSync(twice, first.bytes);
      const second = withoutRecord(
        twice,
        { ...lake.truths[TO]!, records: kept.filter((r) => r.org_id !== first.orgId) },
        30,
      );
      await lake.ingest(TO, 'v3', second.bytes);
      // A commit keeps the version it replaced (v2) and deletes older ones; make sure v1 is gone even when the three
      // commits fell in one second (version ids then order by their random tail).
      await lake.storage.deletePrefix(`curated/survey=uk-se/wave=${TO}/${lake.committed[`${TO}:v1`]}/`);
      expect(lake.records[`${TO}:v3`]).toHaveLength(lake.records[`${TO}:v1`]!.length - 2);
      for (const name of tables) await lake.export(name, { survey: 'uk-se', wave: String(TO) });
      await lake.export('wave_summary', { survey: 'uk-se' });
      const result = await attack(lake.tables, lake.records, RULES);
      expect(show(result.findings)).toEqual([]);
      const diff = differencing(result, `${TO}:v1`, `${TO}:v3`, lake.records, RULES);
      expect(show(diff.findings)).toEqual([]);
      expect(diff.sensitive).toBeGreaterThan(0);
      // And the notes say how the comparison was made.
      const described = JSON.parse(readFileSync(join(lake.dir, 'out', 'datapackage.json'), 'utf8')).resources.at(-1);
      expect(described.provenance.disclosureControl.earlierReleases.missingVersions).toEqual([
        expect.stringMatching(/^2023 \(v/),
      ]);
      expect(described.provenance.disclosureControl.notes.join(' ')).toMatch(/no longer in the lake/);
    } finally {
      lake.close();
    }
  });
});
