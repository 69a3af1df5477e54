import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One saved query as infra needs it: its name, SQL text and a description for the Athena console. */
export interface SavedQueryFile {
  readonly name: string;
  readonly sql: string;
  readonly description: string;
}

// AWS::Athena::NamedQuery allows 1024 characters of description.
const MAX_DESCRIPTION = 1024;

/**
 * Reads every `<name>.sql` in `dir` (sorted by name) with the metadata beside it (`<name>.meta.json`: title,
 * description, bind order), at synth time. A missing directory gives no queries; unreadable metadata throws,
 * because a named query published without its parameters would mislead analysts.
 */
export function readSavedQueryFiles(dir: string): SavedQueryFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.sql'.length);
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { name, sql, description: describe(name, path.join(dir, `${name}.meta.json`)) };
    });
}

function describe(name: string, metaPath: string): string {
  if (!existsSync(metaPath)) return `Saved query ${name}`;
  let meta: { title?: unknown; description?: unknown; bind?: unknown };
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as typeof meta;
  } catch (error) {
    throw new Error(`infra: saved-query metadata ${metaPath} must be JSON, could not parse it`, { cause: error });
  }
  const parts = [typeof meta.title === 'string' ? meta.title : name];
  if (typeof meta.description === 'string') parts.push(meta.description);
  if (Array.isArray(meta.bind) && meta.bind.length > 0) {
    parts.push(`Execution parameters, in order: ${meta.bind.join(', ')}.`);
  }
  const text = parts.join(' — ');
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}
