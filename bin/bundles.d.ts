/**
 * `dir`/`name`.mjs when every source file `dir`/`name`.json lists, by its path under `root`, still has the
 * SHA-256 it was built from; else null (no bundle, or it is older than a source). `name` defaults to part-worker.
 */
export declare function freshBundle(root: URL, dir: URL, name?: string): URL | null;
