import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder (package.json and queries/ side by side), found by walking up from this module: it
 * runs from its TypeScript under core/ or inlined in a bundle under dist/, at different depths. `fallback` when
 * there is none (a Lambda bundle, which ships what it needs beside itself).
 */
export function projectRoot(fallback: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'queries'))) return dir;
    const up = dirname(dir);
    if (up === dir) return fallback;
    dir = up;
  }
}
