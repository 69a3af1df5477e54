import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUERIES_DIR } from '../../core/queries/index.ts';

/**
 * Where the saved queries are read from. In a Lambda bundle the core's QUERIES_DIR (found from its own module
 * path) points outside the bundle, so the deployment copies queries/ beside the bundle; run from the source
 * tree (tests, CLI) there is no such folder and the project's queries/ is used.
 */
export const SAVED_QUERIES_DIR: string = (() => {
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'queries');
  return existsSync(beside) ? beside : QUERIES_DIR;
})();
