// Every TypeScript snippet of the README type-checks against the built package, as a user's code
// would: `@rotakit/provider-aws` resolves through the package's own `exports` to dist (run
// `pnpm -r build` first), with the repository's compiler settings.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const snippets = [...readFileSync(`${packageDir}README.md`, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

/** The repository's compiler options (strict, NodeNext, exactOptionalPropertyTypes, …), checking only. */
function compilerOptions(): ts.CompilerOptions {
  const base = fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url));
  const { config } = ts.readConfigFile(base, (path) => ts.sys.readFile(path));
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, packageDir).options, noEmit: true };
}

/** The compiler's complaints about `sources` (file name → text), as if they sat in the package's test folder. */
function diagnosticsOf(sources: ReadonlyMap<string, string>): string[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  host.readFile = (name) => sources.get(name) ?? readFile(name);
  host.getSourceFile = (name, language, ...rest) => {
    const text = sources.get(name);
    return text === undefined ? getSourceFile(name, language, ...rest) : ts.createSourceFile(name, text, language);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file ? `${diagnostic.file.fileName.slice(packageDir.length)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

describe('README.md', () => {
  it('has its snippets: quick start, target function, store, set-up, application', () => {
    expect(snippets).toHaveLength(5);
  });

  it('every TypeScript snippet type-checks against the built package', () => {
    const sources = new Map(snippets.map((text, index) => [`${packageDir}test/readme-snippet-${index + 1}.ts`, text]));
    expect(diagnosticsOf(sources)).toEqual([]);
  }, 60_000);
});
