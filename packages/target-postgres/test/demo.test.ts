import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const builds = ['core', 'target-postgres', 'testkit'].map((name) => `${root}packages/${name}/dist/index.js`);

describe('pnpm demo', () => {
  beforeAll(async () => {
    // The demo is plain JavaScript on the built packages; `pnpm test` builds first, a lone run may not have.
    if (builds.some((file) => !existsSync(file))) {
      await run('pnpm', ['--filter', '@rotakit/example-demo...', 'build'], { cwd: root });
    }
  });

  it('runs the demo script to exit code 0 with every step, stage table and login it promises', async () => {
    const { stdout } = await run(process.execPath, ['examples/demo/demo.mjs'], { cwd: root, timeout: 90_000 });
    for (const line of [
      'created the application user app_user and the privileged user rotator',
      'single-user rotation completed',
      'login with previous (app_user) refused: 28P01',
      'alternating-users rotation 1 completed',
      'app_user_clone and app_user have the same grants and roles: yes',
      'login with current (app_user_clone) ok',
      'alternating-users rotation 2 completed',
      'login with current (app_user) ok',
      'login with previous (app_user_clone) ok',
      'every login behaved as expected',
      'demo finished: server stopped, temporary directory removed',
    ]) {
      expect(stdout).toContain(line);
    }
    expect(stdout.match(/event rotation\.completed/g)).toHaveLength(3);
    expect(stdout).toMatch(/│ 'current'\s*│ 'app_user_clone' │ 'sha256:[0-9a-f]{8}' │/);
    // Fingerprints only: no secret value in the output.
    expect(stdout).not.toMatch(/"password"\s*:/);
  }, 120_000);
});
