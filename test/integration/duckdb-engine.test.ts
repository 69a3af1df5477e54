import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { readWavePointer } from '../../core/lake.ts';
import { loadSavedQueries } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { CANONICAL_COLUMNS } from '../../schemas/index.ts';
import { record, writeLake } from './queries-lake.ts';

const COUNT = [{ name: 'n', type: 'int' }] as const;

describe('DuckDbEngine on an empty lake', () => {
  it('exposes responses with the canonical columns and no rows, and lists no waves', async () => {
    const root = mkdtempSync(join(tmpdir(), 'empty-lake-'));
    const engine = await DuckDbEngine.open(new LocalStorage(root));
    try {
      expect(await engine.listWaves()).toEqual([]);
      const columns = ['survey', 'wave', ...CANONICAL_COLUMNS].map((name) => ({ name, type: 'string' as const }));
      const result = await engine.run('select * from responses', [], columns);
      expect(result.rows).toEqual([]);
      expect((await engine.run('select count(*) as n from responses', [], COUNT)).rows).toEqual([{ n: 0 }]);
    } finally {
      await engine.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('DuckDbEngine on a lake', () => {
  let root: string;
  let engine: DuckDbEngine;

  beforeAll(async () => {
    root = await writeLake([
      record({ org_id: 'a', employees: 3, turnover: 1.5, is_spinout: true }),
      record({ org_id: 'b', employees: null, turnover: 2 }),
      record({ org_id: 'c', wave: 2021 }),
    ]);
    const storage = new LocalStorage(root);
    const pointer = await readWavePointer(storage, 'uk-se', 2023);
    const file = storage.localPath(pointer?.files[0] ?? '');
    // A version being written but not committed, and a wave with files but no pointer: neither may be read.
    for (const key of [
      'curated/survey=uk-se/wave=2023/v20990101T000000Z-inprogress/part-00000.parquet',
      'curated/survey=uk-se/wave=2025/v20990101T000000Z-orphan/part-00000.parquet',
    ]) {
      const target = storage.localPath(key);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    }
    engine = await DuckDbEngine.open(storage);
  });
  afterAll(() => engine.close());

  it('lists the committed waves from their pointers, with the versions it reads', async () => {
    const storage = new LocalStorage(root);
    const versions = await Promise.all(
      [2021, 2023].map(async (wave) => (await readWavePointer(storage, 'uk-se', wave))?.version),
    );
    expect(await engine.listWaves()).toEqual([
      { survey: 'uk-se', wave: 2021, rows: 1, version: versions[0] },
      { survey: 'uk-se', wave: 2023, rows: 2, version: versions[1] },
    ]);
  });

  it('reads only the files the pointers list, never an uncommitted version or a wave without a pointer', async () => {
    const result = await engine.run(
      'select wave, count(*) as n from responses group by wave order by wave',
      [],
      [
        { name: 'wave', type: 'int' },
        { name: 'n', type: 'int' },
      ],
    );
    expect(result.rows).toEqual([
      { wave: 2021, n: 1 },
      { wave: 2023, n: 2 },
    ]);
  });

  it('binds positional parameters as data, never as SQL', async () => {
    const sql = 'select count(*) as n from responses where survey = ? and wave = ?';
    expect((await engine.run(sql, ['uk-se', 2023], COUNT)).rows).toEqual([{ n: 2 }]);
    expect((await engine.run(sql, ["uk-se' or '1'='1", 2023], COUNT)).rows).toEqual([{ n: 0 }]);
  });

  it('returns JSON-ready values typed by the columns: BIGINT and HUGEINT as numbers, nulls as null', async () => {
    const result = await engine.run(
      "select sum(employees) as e, sum(turnover) as t, bool_or(is_spinout) as s, min(org_id) as o, sum(case when org_id = 'z' then 1 end) as none from responses where wave = 2023",
      [],
      [
        { name: 'e', type: 'int' },
        { name: 't', type: 'double' },
        { name: 's', type: 'boolean' },
        { name: 'o', type: 'string' },
        { name: 'none', type: 'int' },
      ],
    );
    expect(result.rows).toEqual([{ e: 3, t: 3.5, s: true, o: 'a', none: null }]);
  });

  it('turns a NaN or infinite double into null, which JSON can carry', async () => {
    const result = await engine.run(
      "select cast('nan' as double) as x, cast('inf' as double) as y",
      [],
      [
        { name: 'x', type: 'double' },
        { name: 'y', type: 'double' },
      ],
    );
    expect(result.rows).toEqual([{ x: null, y: null }]);
  });

  it('refuses a result whose columns differ from the declared ones, or whose values have another type', async () => {
    await expect(engine.run('select 1 as a, 2 as b', [], [{ name: 'b', type: 'int' }])).rejects.toThrow(
      /returned columns a, b, expected b/,
    );
    await expect(engine.run('select 1.5 as a', [], [{ name: 'a', type: 'int' }])).rejects.toThrow(
      /column "a" should be int, got number "1.5"/,
    );
  });

  it('refuses a parameter count that differs from the ? marks', async () => {
    await expect(engine.run('select ? as n', [], COUNT)).rejects.toThrow(/1 parameter\(s\), got 0 value\(s\)/);
  });

  it('reads no other file, writes nothing, loads no extension and cannot be reconfigured', async () => {
    const one = [{ name: 'x', type: 'string' }] as const;
    await expect(engine.run("select * from read_csv('/etc/passwd')", [], one)).rejects.toThrow(/duckdb engine/);
    await expect(engine.run(`copy (select 1 as x) to '${join(root, 'x.csv')}'`, [], one)).rejects.toThrow(/duckdb/);
    await expect(engine.run('set enable_external_access = true', [], one)).rejects.toThrow(/duckdb engine/);
    await expect(engine.run('install httpfs', [], one)).rejects.toThrow(/duckdb engine/);
  });
});

describe('DuckDbEngine and the lake it reads', () => {
  it('leaves every file of the lake as it was: same names, sizes and modification times', async () => {
    const root = await writeLake([record({ org_id: 'a', employees: 1 }), record({ org_id: 'b', wave: 2021 })]);
    const snapshot = () =>
      readdirSync(root, { recursive: true })
        .map(String)
        .sort()
        .map((name) => {
          const info = statSync(join(root, name));
          return `${name} ${info.size} ${info.mtimeMs}`;
        });
    const before = snapshot();
    const engine = await DuckDbEngine.open(new LocalStorage(root));
    for (const query of loadSavedQueries()) {
      const values = query.bind.map((name) => (name === 'survey' ? 'uk-se' : name === 'from_wave' ? 2021 : 2023));
      await engine.run(query.sql, values, query.columns);
    }
    await engine.close();
    expect(snapshot()).toEqual(before);
  });
});

describe('DuckDbEngine on a lake that is not a local directory', () => {
  it('says to use a local lake or the Athena engine', async () => {
    const root = await writeLake([record({ org_id: 'a' })]);
    class RemoteLike extends LocalStorage {
      override localPath(): string {
        return undefined as unknown as string;
      }
    }
    await expect(DuckDbEngine.open(new RemoteLike(root))).rejects.toThrow(/not a local directory/);
  });
});
