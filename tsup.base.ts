import type { Options } from 'tsup';

/** The build every rotakit package uses: ESM and CommonJS from src/index.ts, with .d.ts and .d.cts. */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
    // Keep `node:` specifiers, so a reader (and a test) can tell built-ins from dependencies.
    removeNodeProtocol: false,
    ...overrides,
  };
}
