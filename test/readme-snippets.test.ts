// Every TypeScript snippet of every README is compiled, so a renamed export, a renamed option or a
// wrong type in the docs fails here. A snippet may be a fragment: names it uses without declaring
// them (`store`, `target`, `event`) are the reader's, so "cannot find name" is the one diagnostic
// allowed; every other one — an unknown export, an unknown option, a type mismatch — fails. A
// snippet is compiled from its README's folder, so it resolves the packages that README's package has.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, '.tmp', 'readme-snippets');
/** TypeScript's "cannot find name" diagnostics (also as a shorthand property): a fragment's free names. */
const FREE_NAME = new Set(['TS2304', 'TS2552', 'TS18004']);

/** Every README of the repository: the root's, each package's and each example's. */
function readmes(): string[] {
  const found = [join(ROOT, 'README.md')];
  for (const folder of ['packages', 'examples']) {
    for (const entry of readdirSync(join(ROOT, folder))) {
      const readme = join(ROOT, folder, entry, 'README.md');
      if (existsSync(readme)) found.push(readme);
    }
  }
  return found;
}

/** The ```ts blocks of a Markdown text, with the line each starts on. */
function snippets(markdown: string): { code: string; line: number }[] {
  const blocks: { code: string; line: number }[] = [];
  const fence = /^```(ts|typescript)\s*$([\s\S]*?)^```\s*$/gm;
  for (const match of markdown.matchAll(fence)) {
    const line = markdown.slice(0, match.index).split('\n').length + 1;
    blocks.push({ code: match[2] ?? '', line });
  }
  return blocks;
}

describe('README snippets', () => {
  it('compile, every one of them, against the packages as they are', () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const origins = new Map<string, string>();
    for (const readme of readmes()) {
      const folder = join(dirname(readme), '.tmp', 'readme-snippets');
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      for (const { code, line } of snippets(readFileSync(readme, 'utf8'))) {
        const file = join(folder, `README_L${line}.ts`);
        // Each snippet is a module of its own: its declarations do not meet another snippet's.
        writeFileSync(file, `${code}\nexport {};\n`);
        origins.set(relative(ROOT, file), `${relative(ROOT, readme)}:${line}`);
      }
    }
    const rootConfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    };
    writeFileSync(
      join(OUT, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { noEmit: true, baseUrl: '../..', paths: rootConfig.compilerOptions.paths, declaration: false, sourceMap: false },
        files: [...origins.keys()].map((file) => join(ROOT, file)),
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', OUT], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    const failures = output
      .split('\n')
      .map((text) => /^(\S+?\.ts)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(text))
      .filter((match): match is RegExpExecArray => match !== null && !FREE_NAME.has(match[3] ?? ''))
      .map(([, file, line, code, message]) => `${origins.get(file ?? '') ?? file} (+${line}) ${code}: ${message}`);
    expect(origins.size).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  });
});
