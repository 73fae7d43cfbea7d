// The README's TypeScript snippets compile as a user's code would: in this package's folder, where
// `@rotakit/target-postgres` and its `/internal` entry resolve through `exports` to dist (run
// `pnpm -r build` first), under the repository's compiler options.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${packageDir}README.md`, 'utf8');
const snippets = new Map(
  [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => [`${packageDir}test/readme-${index + 1}.ts`, match[1] ?? '']),
);

it('README.md has its two TypeScript snippets (quick start, introspection), and both type-check against the build', () => {
  expect(snippets.size).toBe(2);
  const { config } = ts.readConfigFile(`${packageDir}../../tsconfig.base.json`, ts.sys.readFile);
  const options = { ...ts.parseJsonConfigFileContent(config, ts.sys, packageDir).options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const [fileExists, readFile] = [host.fileExists.bind(host), host.readFile.bind(host)];
  host.fileExists = (name) => snippets.has(name) || fileExists(name);
  host.readFile = (name) => snippets.get(name) ?? readFile(name);
  const program = ts.createProgram([...snippets.keys()], options, host);
  const complaints = ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName.slice(packageDir.length) ?? ''} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  expect(complaints).toEqual([]);
}, 60_000);
