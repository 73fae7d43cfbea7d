// The API reference (`pnpm docs`, into docs/api/): one page set for every published package's
// public entries. The entry points come from each package's `exports` map, so a new subpath is
// documented (or the build fails, naming it) without editing this file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGES = 'packages';

/** The source file of one export subpath: `.` is src/index.ts, `./name` src/name.ts or src/name/index.ts. */
function sourceOf(dir, subpath) {
  const name = subpath === '.' ? 'index' : subpath.slice(2);
  const candidates = [join(dir, 'src', `${name}.ts`), join(dir, 'src', name, 'index.ts')];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`typedoc: no source for ${dir} export "${subpath}" (looked for ${candidates.join(', ')})`);
  return found;
}

const packages = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(PACKAGES, entry.name, 'package.json')))
  .map((entry) => ({ dir: join(PACKAGES, entry.name), manifest: JSON.parse(readFileSync(join(PACKAGES, entry.name, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const entryPoints = packages.flatMap(({ dir, manifest }) =>
  Object.keys(manifest.exports ?? { '.': null })
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => sourceOf(dir, subpath)),
);

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'rotakit',
  // The workspace's paths map each `@rotakit/*` specifier to its source, so types link across packages.
  tsconfig: 'tsconfig.docs.json',
  entryPointStrategy: 'resolve',
  entryPoints,
  out: 'docs/api',
  readme: 'none',
  // No links to a hosted copy of the sources: the pages are read beside the checkout, whatever (or
  // whether any) git remote it has — a checkout with none would otherwise warn, and fail the build.
  disableSources: true,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true },
  // Declarations and methods must carry a doc comment (the house rule); properties are not required to.
  requiredToBeDocumented: ['Enum', 'EnumMember', 'Variable', 'Function', 'Class', 'Interface', 'Method', 'Accessor', 'TypeAlias'],
  packagesRequiringDocumentation: packages.map(({ manifest }) => manifest.name),
};
