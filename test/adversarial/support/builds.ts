import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = fileURLToPath(new URL('../../../packages/', import.meta.url));
/** The packages whose builds the containers load. */
const LOADED = ['core', 'target-mysql', 'provider-aws', 'provider-alibaba', 'provider-ncloud'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Throws unless every package the containers load has a build at least as new as its sources:
 * the containers run `dist`, and a stale one would test code that is no longer there.
 */
export function requireFreshBuilds(): void {
  const problems = LOADED.flatMap((name) => {
    const built = join(PACKAGES, name, 'dist', 'index.js');
    let builtAt: number;
    try {
      builtAt = statSync(built).mtimeMs;
    } catch {
      return [`${name} has no build`];
    }
    return newestSource(join(PACKAGES, name, 'src')) > builtAt ? [`${name}'s build is older than its sources`] : [];
  });
  if (problems.length > 0) {
    throw new Error(`the crash family's containers run the packages' builds: ${problems.join(', ')}; run pnpm -r build first`);
  }
}
