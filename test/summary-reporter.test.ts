// The closing `tests:` line is what CI reads: a file whose setup throws must count as a failure,
// though vitest marks its tests skipped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'rotakit-reporter-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The `tests:` line of a vitest run over `files` in a folder of their own. */
function summaryOf(files: Record<string, string>): string {
  const dir = mkdtempSync(join(folder, 'run-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  let output = '';
  try {
    output = execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir, '--reporter', join(ROOT, 'scripts', 'summary-reporter.ts')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    output = String((error as { stdout?: string }).stdout);
  }
  return /tests: .*/.exec(output)?.[0] ?? output;
}

describe('the summary line', () => {
  it('counts passes, failures and skips, and a file whose setup threw as a failure', () => {
    expect(
      summaryOf({
        'ok.test.ts': "import { it } from 'vitest';\nit('passes', () => undefined);\nit.skip('is skipped', () => undefined);\n",
        'bad.test.ts': "import { it } from 'vitest';\nit('fails', () => { throw new Error('no'); });\n",
        'setup.test.ts': "import { beforeAll, it } from 'vitest';\nbeforeAll(() => { throw new Error('setup'); });\nit('never runs', () => undefined);\n",
      }),
    ).toBe('tests: 1 passed, 2 failed, 2 skipped');
  });
});
