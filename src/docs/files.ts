import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest folder above this file holding the platform's package.json. Works from the
 * sources (src/docs) and from the build (dist/src/docs), which sit at different depths.
 */
export function repoRoot(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'stratus-connect') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json of stratus-connect not found above ' + import.meta.dirname);
    dir = parent;
  }
}

/** The platform's version, from package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
