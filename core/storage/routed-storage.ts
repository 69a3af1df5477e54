import type { Readable } from 'node:stream';
import type { Storage, StorageBody } from './storage.ts';

/**
 * One lake over several stores, chosen by the key's first segment: in the cloud raw/, curated/, reports/ and
 * exports/ are separate buckets (each with its own access policy), while the core still sees one key space.
 * Keys keep their prefix inside each store, so the curated bucket holds curated/survey=.../wave=.../...
 */
export class RoutedStorage implements Storage {
  readonly location: string;

  /** Routes "raw/", "curated/", ... to their stores; `fallback` takes any other key. */
  constructor(
    private readonly routes: Readonly<Record<string, Storage>>,
    private readonly fallback?: Storage,
  ) {
    this.location = Object.entries(routes)
      .map(([prefix, store]) => `${prefix}→${store.location}`)
      .join(' ');
  }

  private route(key: string): Storage {
    const slash = key.indexOf('/');
    const store = slash >= 0 ? this.routes[key.slice(0, slash + 1)] : undefined;
    const chosen = store ?? this.fallback;
    if (!chosen)
      throw new Error(`storage: no store for key "${key}"; expected one of ${Object.keys(this.routes).join(', ')}`);
    return chosen;
  }

  get(key: string): Promise<Readable> {
    return this.route(key).get(key);
  }

  getText(key: string): Promise<string | undefined> {
    return this.route(key).getText(key);
  }

  put(key: string, body: StorageBody, options?: { contentType?: string; onProgress?: (bytes: number) => void }) {
    return this.route(key).put(key, body, options);
  }

  async list(prefix: string): Promise<string[]> {
    const stores =
      prefix === ''
        ? new Set([...Object.values(this.routes), ...(this.fallback ? [this.fallback] : [])])
        : new Set([this.route(prefix)]);
    const keys = new Set<string>();
    for (const store of stores) for (const key of await store.list(prefix)) keys.add(key);
    return [...keys].sort();
  }

  delete(key: string): Promise<void> {
    return this.route(key).delete(key);
  }

  deletePrefix(prefix: string): Promise<void> {
    return this.route(prefix).deletePrefix(prefix);
  }

  localPath(key: string): string | undefined {
    return this.route(key).localPath(key);
  }
}
