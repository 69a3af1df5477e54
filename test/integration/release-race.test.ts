// Two releases of one survey at once (DESIGN.md "Disclosure control for exports"): each must be protected with the
// other in view, as if they had been made one after the other. The ledger's reads are slowed so that, without the
// survey's release lock, both would read it before either recorded its table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { exportQuery, LEDGER_PREFIX, readLedger } from '../../core/export/index.ts';
import { underReleaseLock } from '../../core/export/ledger.ts';
import { type LockHolder, ReleaseBusyError } from '../../core/lock/lake-locks.ts';
import { LocalLakeLocks } from '../../core/lock/local-lock.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { attack } from '../helpers/attack.ts';
import { FROM, Lake, RULES, show, TO } from '../helpers/attack-lake.ts';

/** The lake, with every listing of the ledger taking `ms` longer. */
function slowLedger(storage: Storage, ms: number): Storage {
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === 'list') {
        return async (prefix: string) => {
          if (prefix.startsWith(LEDGER_PREFIX)) await sleep(ms);
          return target.list(prefix);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The earlier releases an export's data package says it was protected against (0 when none). */
function earlierReleases(folder: string): number {
  const resource = JSON.parse(readFileSync(join(folder, 'datapackage.json'), 'utf8')).resources[0];
  return resource.provenance.disclosureControl.earlierReleases?.releases ?? 0;
}

describe('two releases of one survey at once', () => {
  it('are protected one after the other: the second sees the first, and no reader of both learns a cell', async () => {
    const lake = new Lake('uk-se', 120, 7);
    try {
      await lake.ingest(FROM, 'a');
      await lake.ingest(TO, 'a');
      const slow = slowLedger(lake.storage, 500);
      const params = { survey: 'uk-se', wave: String(TO) };
      // The same table under two settings: the stricter one suppresses cells the other would publish.
      const asked = [{ threshold: 10 }, {}];
      const engines = await Promise.all(asked.map(() => DuckDbEngine.open(lake.storage)));
      const folders = asked.map((_, i) => join(lake.dir, `release-${i}`));
      try {
        await Promise.all(
          asked.map((request, i) =>
            exportQuery({
              engine: engines[i]!,
              lake: slow,
              name: 'sector_profile',
              params,
              out: join(folders[i]!, 'sector_profile.csv'),
              deployment: RULES,
              request,
            }),
          ),
        );
      } finally {
        await Promise.all(engines.map((engine) => engine.close()));
      }
      expect(await readLedger(lake.storage, 'uk-se')).toHaveLength(2);
      expect(folders.map(earlierReleases).sort()).toEqual([0, 1]);
      for (const folder of folders) {
        lake.tables.push({
          query: 'sector_profile',
          params,
          data: { ...lake.versions },
          csv: readFileSync(join(folder, 'sector_profile.csv'), 'utf8'),
        });
      }
      const result = await attack(lake.tables, lake.records, RULES);
      expect(show(result.findings)).toEqual([]);
      expect(result.suppressed.size).toBeGreaterThan(0);
    } finally {
      lake.close();
    }
  });
});

describe('the release lock', () => {
  const holder = (attempt: string): LockHolder => ({ attempt, by: attempt, since: new Date().toISOString() });

  it('is waited for while another release holds it, and given up after the wait with a one-line error', async () => {
    const lake = new Lake('uk-se', 10, 1);
    try {
      const locks = new LocalLakeLocks(lake.storage.localPath('')!);
      const first = await locks.acquireReleases('uk-se', holder('first'));
      const order: string[] = [];
      const waiting = underReleaseLock(locks, 'uk-se', holder('second'), 5000, async () => {
        order.push('second');
      });
      await sleep(400);
      order.push('first done');
      await first.release();
      await waiting;
      expect(order).toEqual(['first done', 'second']);

      const held = await locks.acquireReleases('uk-se', holder('third'));
      const refused = underReleaseLock(locks, 'uk-se', holder('fourth'), 300, async () => 'ran');
      await expect(refused).rejects.toBeInstanceOf(ReleaseBusyError);
      await expect(refused).rejects.toThrow(
        /^export: another release of uk-se is being recorded \(third, since .*\); nothing was written: try again once it has finished$/,
      );
      // A wave's lock is another lock: ingests do not wait for releases.
      const wave = await locks.acquire('uk-se', TO, holder('ingest'));
      await wave.release();
      await held.release();
    } finally {
      lake.close();
    }
  });
});
