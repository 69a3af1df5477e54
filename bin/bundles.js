// Bundles built at install (bin/build-worker.js) are used only while they match their sources: beside
// <name>.mjs goes <name>.json, the SHA-256 of every source file in it, by its path under the project root.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * `dir`/`name`.mjs when every source file `dir`/`name`.json lists, by its path under `root`, still has the
 * SHA-256 it was built from; else null (no bundle, or it is older than a source).
 */
export function freshBundle(root, dir, name = 'part-worker') {
  try {
    const manifest = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
    const inputs = Object.entries(manifest.inputs);
    const hash = (path) =>
      createHash('sha256')
        .update(readFileSync(new URL(path, root)))
        .digest('hex');
    return inputs.length > 0 && inputs.every(([path, sha256]) => hash(path) === sha256)
      ? new URL(`${name}.mjs`, dir)
      : null;
  } catch {
    // No bundle, or a source file gone: the TypeScript is loaded instead.
    return null;
  }
}
