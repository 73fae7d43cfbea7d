// Every `rotakit …` line of a ```sh block in the repository's READMEs is a command line the bin
// accepts: run as written, against clouds that answer nothing (a closed port), it may fail to reach
// them (exit 1), but never as bad usage (exit 2) — so a renamed option, a removed command or a
// misspelt flag in the docs fails here. Files the lines name (`--from`, `--ca`) exist, empty.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, type CliRun } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Nothing listens on port 9 (discard) of the loopback: every cloud call is refused at once. */
const CLOSED = 'http://127.0.0.1:9';

const ENV: Record<string, string> = {
  PATH: process.env['PATH'] ?? '',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: CLOSED,
  AWS_MAX_ATTEMPTS: '1',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'test',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test',
  ALIBABA_CLOUD_KMS_ENDPOINT: CLOSED,
  ALIBABA_CLOUD_FNF_ENDPOINT: CLOSED,
  NCLOUD_ACCESS_KEY: 'test',
  NCLOUD_SECRET_KEY: 'test',
  NCLOUD_SECRET_MANAGER_ENDPOINT: CLOSED,
};

/** The `rotakit …` lines of the ```sh blocks of every README (root, packages, examples), trailing comments cut. */
function readmeCommands(): { readme: string; line: string }[] {
  const readmes = [join(ROOT, 'README.md')];
  for (const folder of ['packages', 'examples']) {
    for (const entry of readdirSync(join(ROOT, folder))) {
      const readme = join(ROOT, folder, entry, 'README.md');
      if (existsSync(readme)) readmes.push(readme);
    }
  }
  const found: { readme: string; line: string }[] = [];
  for (const readme of readmes) {
    for (const block of readFileSync(readme, 'utf8').matchAll(/^```sh\s*$([\s\S]*?)^```\s*$/gm)) {
      for (const raw of (block[1] ?? '').split('\n')) {
        const line = raw.replace(/\s+#.*$/, '').trim();
        if (line.startsWith('rotakit ')) found.push({ readme: readme.slice(ROOT.length), line });
      }
    }
  }
  return found;
}

function run(args: readonly string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: ENV, cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'rotakit-readme-commands-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the READMEs' rotakit command lines", () => {
  const commands = readmeCommands();

  it('are found (the READMEs document the CLI)', () => {
    expect(commands.length).toBeGreaterThanOrEqual(10);
  });

  it.concurrent.each(commands)('$readme: $line is accepted by the bin (exit 0 or 1, never 2)', async ({ line }) => {
    const args = line.split(/\s+/).slice(1);
    for (const [index, arg] of args.entries()) {
      if ((arg === '--from' || arg === '--ca') && args[index + 1] !== undefined) writeFileSync(join(work, args[index + 1]!), '');
    }
    const result = await run(args, work);
    expect(result.stderr).not.toMatch(/^Usage|\bUsage\b.*:/m);
    expect([0, 1], `exit ${result.code}: ${result.stderr}`).toContain(result.code);
  });
});
