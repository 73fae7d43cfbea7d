// Every `ts` snippet of the README type-checks against the built package, with the house compiler
// options: a renamed export or option breaks this test before it misleads a reader.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
/** Inside the package, so `@rotakit/provider-ncloud` resolves to its own build through `exports`. */
const snippetDir = join(packageDir, '.tmp', `readme-${process.pid}`);

/** What the README's snippets take as given: the action's keys and job, and some target. */
const PRELUDE = `declare const accessKey: string;
declare const secretKey: string;
declare const secretId: string;
declare const jobToken: string;
declare const target: import('@rotakit/core').Target;
`;
const PRELUDE_LINES = PRELUDE.split('\n').length - 1;

function snippets(): string[] {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

function houseOptions(): ts.CompilerOptions {
  const base = join(packageDir, '..', '..', 'tsconfig.base.json');
  const { config } = ts.readConfigFile(base, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, snippetDir);
  return { ...options, noEmit: true, declaration: false, sourceMap: false };
}

describe('the README', () => {
  afterAll(() => rmSync(snippetDir, { recursive: true, force: true }));

  it('has snippets that compile against the built package (pnpm -r build)', () => {
    const files = snippets().map((code, index) => {
      const file = join(snippetDir, `snippet-${index + 1}.ts`);
      mkdirSync(snippetDir, { recursive: true });
      writeFileSync(file, `${PRELUDE}${code}`);
      return file;
    });
    expect(files.length).toBeGreaterThanOrEqual(4);
    const program = ts.createProgram(files, houseOptions());
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return text;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${diagnostic.file.fileName.slice(snippetDir.length + 1)}:${line + 1 - PRELUDE_LINES}: ${text}`;
    });
    expect(problems).toEqual([]);
  });
});
