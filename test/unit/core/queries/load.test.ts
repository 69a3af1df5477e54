import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countParameterMarks,
  getSavedQuery,
  loadSavedQueries,
  QUERIES_DIR,
  QueryError,
} from '../../../../core/queries/index.ts';

/** The folders folderWith made, removed once the file's tests are done. */
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A queries folder holding one copy of spinouts_by_sector, its metadata changed by `edit`. */
function folderWith(edit: (meta: Record<string, unknown>) => void, sql?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'queries-'));
  folders.push(dir);
  const meta = JSON.parse(readFileSync(join(QUERIES_DIR, 'spinouts_by_sector.meta.json'), 'utf8'));
  edit(meta);
  writeFileSync(join(dir, 'spinouts_by_sector.meta.json'), JSON.stringify(meta));
  writeFileSync(join(dir, 'spinouts_by_sector.sql'), sql ?? readFileSync(join(QUERIES_DIR, 'spinouts_by_sector.sql')));
  return dir;
}

describe('loadSavedQueries', () => {
  it('loads the project queries from any working directory and caches them', () => {
    const first = loadSavedQueries();
    expect(first.length).toBe(12);
    expect(loadSavedQueries()).toBe(first);
    expect(first.every((query) => query.sql.includes('responses'))).toBe(true);
  });

  it('loads a valid copy of a query from another folder', () => {
    const dir = folderWith(() => {});
    expect(loadSavedQueries(dir).map((query) => query.name)).toEqual(['spinouts_by_sector']);
  });

  it('refuses metadata that does not match the zod schema, naming the file and the field', () => {
    const dir = folderWith((meta) => {
      meta.grain = 'per sector';
    });
    expect(() => loadSavedQueries(dir)).toThrow(/spinouts_by_sector\.meta\.json .*grain/);
  });

  it('refuses a bind list whose length differs from the ? marks of the SQL', () => {
    const dir = folderWith((meta) => {
      meta.bind = ['survey', 'wave', 'wave'];
    });
    expect(() => loadSavedQueries(dir)).toThrow(/2 "\?" mark\(s\), but bind lists 3/);
  });

  it('refuses a declared parameter that is never bound', () => {
    const dir = folderWith((meta) => {
      (meta.parameters as unknown[]).push({ name: 'extra', type: 'int', description: 'unused' });
    });
    expect(() => loadSavedQueries(dir)).toThrow(/parameter "extra" is declared but never bound/);
  });

  it('refuses a disclosure count column that is not a column', () => {
    const dir = folderWith((meta) => {
      const columns = meta.columns as { disclosure: Record<string, unknown> }[];
      (columns[3] as { disclosure: Record<string, unknown> }).disclosure.countColumn = 'nope';
    });
    expect(() => loadSavedQueries(dir)).toThrow(/refers to "nope"/);
  });

  it('refuses a metadata file whose name differs from its file name', () => {
    const dir = folderWith((meta) => {
      meta.name = 'other';
    });
    expect(() => loadSavedQueries(dir)).toThrow(/name is "other", expected "spinouts_by_sector"/);
  });
});

describe('getSavedQuery', () => {
  it('returns a query by name', () => {
    expect(getSavedQuery('panel_growth').bind).toEqual(['survey', 'from_wave', 'survey', 'to_wave']);
  });

  it('refuses an unknown name with one line listing the names that exist', () => {
    const attempt = () => getSavedQuery('nope');
    expect(attempt).toThrow(QueryError);
    expect(attempt).toThrow(/unknown saved query "nope"; expected one of governance_and_value, .*wave_summary$/);
  });
});

describe('countParameterMarks', () => {
  it('counts ? marks outside comments, string literals and quoted names', () => {
    expect(countParameterMarks('select \'?\' as a, "b?" from t -- why?\n where x = ? /* ? */ and y = ?')).toBe(2);
    expect(countParameterMarks("select 'it''s ?' from t where a = ?")).toBe(1);
  });
});
