// The README's TypeScript snippets compile as a user's module would: against the built package
// (its declarations in dist, reached through the package's own `exports`) and the packages it
// names, under the repository's strict settings. Run pnpm -r build first.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${packageDir}README.md`, 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

const config = ts.readConfigFile(`${packageDir}../../tsconfig.base.json`, (path) => ts.sys.readFile(path));
const options = { ...ts.parseJsonConfigFileContent(config.config, ts.sys, packageDir).options, noEmit: true };

/** Type-checks each snippet as its own module beside this file; the diagnostics of each, by snippet number. */
function diagnosticsOf(sources: readonly string[]): Record<number, string[]> {
  const files = new Map(sources.map((source, index) => [`${packageDir}test/readme-snippet-${index + 1}.ts`, source]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => files.has(path) || fileExists.call(host, path);
  host.readFile = (path) => files.get(path) ?? readFile.call(host, path);
  host.getSourceFile = (path, language, ...rest) => {
    const source = files.get(path);
    return source === undefined ? getSourceFile.call(host, path, language, ...rest) : ts.createSourceFile(path, source, language);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const found: Record<number, string[]> = Object.fromEntries(sources.map((_source, index) => [index + 1, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const number = Number(/readme-snippet-(\d+)\.ts$/.exec(diagnostic.file?.fileName ?? '')?.[1] ?? 0);
    (found[number] ??= []).push(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  }
  return found;
}

describe('README snippets (run pnpm -r build first)', () => {
  test('a snippet beside the tests resolves the package to its build, as a user\'s module does', () => {
    for (const [name, declarations] of [
      ['@rotakit/provider-alibaba', 'dist/index.d.ts'],
      ['@rotakit/provider-alibaba/setup', 'dist/setup.d.ts'],
      ['@rotakit/provider-alibaba/rds', 'dist/rds.d.ts'],
    ]) {
      // An ES module, as the package's `type: module` makes the snippets.
      const resolved = ts.resolveModuleName(name as string, `${packageDir}test/readme-snippet.ts`, options, ts.sys, undefined, undefined, ts.ModuleKind.ESNext)
        .resolvedModule;
      expect(resolved?.resolvedFileName).toBe(`${packageDir}${declarations}`);
    }
  });

  test('the quick start and every other TypeScript snippet type-check against the built package', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    expect(diagnosticsOf(snippets)).toEqual(Object.fromEntries(snippets.map((_source, index) => [index + 1, []])));
  }, 120_000);
});
