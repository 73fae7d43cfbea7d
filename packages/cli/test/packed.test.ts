// The bin as a user installing @rotakit/cli gets it: the CLI and every workspace package it depends
// on (its `dependencies`, followed transitively) packed with `pnpm pack`, the tarballs installed into
// a fresh project outside the workspace (pnpm, preferring its store and cached metadata; overrides
// send every @rotakit dependency to its tarball, so nothing of rotakit comes from a registry), and
// the installed bin run as a shell runs it: through its `#!/usr/bin/env node` line, and through the
// link pnpm puts in node_modules/.bin. Needs `pnpm -r build` first (the tarballs carry dist/).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packages = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  name: string;
  bin?: Record<string, string>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The workspace package folders by package name. */
async function workspacePackages(): Promise<Map<string, string>> {
  const { stdout } = await run('pnpm', ['ls', '-r', '--depth', '-1', '--json'], { cwd: packages });
  const listed = JSON.parse(stdout) as { name?: string; path: string }[];
  return new Map(listed.filter((entry) => entry.name?.startsWith('@rotakit/')).map((entry) => [entry.name!, entry.path]));
}

/** @rotakit/cli and every workspace package its dependencies (and theirs) name. */
async function packagesToPack(folders: Map<string, string>): Promise<string[]> {
  const wanted = ['@rotakit/cli'];
  for (let index = 0; index < wanted.length; index += 1) {
    const folder = folders.get(wanted[index]!);
    if (folder === undefined) throw new Error(`${wanted[index]} is not a workspace package`);
    const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as Manifest;
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (folders.has(name) && !wanted.includes(name)) wanted.push(name);
    }
  }
  return wanted;
}

let root: string;
let project: string;
let cliTarball: string;
const packed = new Map<string, string>();

/** What `tar` lists in a tarball. */
async function tarList(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  return stdout.split('\n').filter((line) => line !== '');
}

async function tarRead(tarball: string, path: string): Promise<string> {
  const { stdout } = await run('tar', ['-xzOf', tarball, path], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** The bin's run: only PATH (node's folder first), so no credential of this machine reaches it. */
async function shell(command: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: [dirname(process.execPath), process.env['PATH'] ?? ''].join(process.platform === 'win32' ? ';' : ':') };
  try {
    const { stdout, stderr } = await run(command, [...args], { cwd: project, env, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'rotakit-cli-packed-')));
  const tarballs = join(root, 'tarballs');
  await mkdir(tarballs);
  const folders = await workspacePackages();
  for (const name of await packagesToPack(folders)) {
    const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', tarballs], { cwd: folders.get(name)! });
    packed.set(name, (JSON.parse(stdout) as { filename: string }).filename);
  }
  cliTarball = packed.get('@rotakit/cli')!;
  project = join(root, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'rotakit-cli-user', private: true, dependencies: { '@rotakit/cli': `file:${cliTarball}` } }, null, 2));
  const overrides = [...packed].map(([name, file]) => `  '${name}': 'file:${file}'`);
  // As in the workspace: the Alibaba SDK's postinstall only matters on Node 10 and 12.
  await writeFile(join(project, 'pnpm-workspace.yaml'), ['overrides:', ...overrides, 'allowBuilds:', "  '@alicloud/openapi-core': false", ''].join('\n'));
  await run('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile', '--reporter=silent'], { cwd: project });
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the packed @rotakit/cli', () => {
  it('packs the workspace packages its dependencies name, and nothing it does not need', () => {
    expect([...packed.keys()].sort()).toEqual([
      '@rotakit/cli',
      '@rotakit/core',
      '@rotakit/provider-alibaba',
      '@rotakit/provider-aws',
      '@rotakit/provider-ncloud',
      '@rotakit/target-mssql',
      '@rotakit/target-mysql',
      '@rotakit/target-postgres',
    ]);
  });

  it('holds dist/bin.js with its shebang, and a bin entry pointing at it; no source, test or workspace: range', async () => {
    const files = await tarList(cliTarball);
    expect(files).toContain('package/dist/bin.js');
    expect(files).toContain('package/package.json');
    expect(files).toContain('package/README.md');
    expect(files.filter((file) => /^package\/(src|test)\//.test(file) || /(?<!\.d)\.c?ts$/.test(file) || file.includes('tsconfig') || file.includes('tsup'))).toEqual([]);
    expect(files.every((file) => file.startsWith('package/dist/') || ['package/package.json', 'package/README.md'].includes(file))).toBe(true);
    const bin = await tarRead(cliTarball, 'package/dist/bin.js');
    expect(bin.split('\n')[0]).toBe('#!/usr/bin/env node');
    const manifest = JSON.parse(await tarRead(cliTarball, 'package/package.json')) as Manifest;
    expect(manifest.bin).toEqual({ rotakit: './dist/bin.js' });
    expect(JSON.stringify(manifest.dependencies)).not.toContain('workspace:');
    expect(manifest.dependencies?.['@rotakit/core']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('resolves its dependencies inside the user project, not the workspace', async () => {
    // As Node resolves the bin's imports: from the real folder pnpm linked the package from.
    const cli = await realpath(join(project, 'node_modules', '@rotakit', 'cli'));
    const { stdout } = await run(process.execPath, ['-e', `console.log(require.resolve('@rotakit/core', { paths: [${JSON.stringify(cli)}] }))`]);
    expect(stdout.trim().startsWith(project)).toBe(true);
    expect(stdout).not.toContain(packages);
  });

  it('runs --help and status --help, exit 0, through the shebang and through node_modules/.bin', async () => {
    const direct = join(project, 'node_modules', '@rotakit', 'cli', 'dist', 'bin.js');
    const linked = join(project, 'node_modules', '.bin', process.platform === 'win32' ? 'rotakit.cmd' : 'rotakit');
    // The shebang's run (not on Windows, where only the .cmd link runs) and the link's.
    const runs = process.platform === 'win32' ? [[linked, '--help'], [linked, 'status', '--help']] : [[direct, '--help'], [linked, 'status', '--help']];
    for (const [command, ...args] of runs) {
      const answer = await shell(command!, args);
      expect(answer).toMatchObject({ code: 0, stderr: '' });
      if (args[0] === '--help') {
        expect(answer.stdout).toContain('Usage: rotakit <command> [options]');
        expect(answer.stdout).toMatch(/^ {2}status {4}/m);
      } else {
        expect(answer.stdout).toContain('Usage: rotakit status <secret…> [options]');
        expect(answer.stdout).toContain('--check-db');
      }
    }
    // A bad command line still answers as the workspace's bin does: exit 2, one line on stderr.
    const unknown = await shell(linked, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^rotakit: Usage: unknown command "frobnicate"/);
  });
});
