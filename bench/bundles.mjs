// Measures each example function's minified bundle and its cold import time against a baseline: a
// bundle of only the cloud SDK client(s) and database driver(s) that function uses, built by the
// same rules. Run: pnpm bench:bundles [--runs=N] (from the repository root; it builds first, as the
// examples bundle the packages' dist). Prints Markdown for BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(/^--runs=(\d+)$/.exec(process.argv[2] ?? '')?.[1] ?? 21);

const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Each example's bundling rules, as its build passes them to esbuild (keep in step with
 * examples/aws-lambda/build.mjs and the examples' tsup.config.ts), plus `minify`.
 */
const RULES = {
  'aws-lambda': { format: 'esm', target: 'node22', external: ['pg-native'], banner: { js: BANNER } },
  'alibaba-fc': { format: 'cjs', target: 'node20', external: [] },
  'ncloud-action': { format: 'cjs', target: 'node20', external: ['pg-native'] },
};

// Baselines construct the SDK clients (the handlers build theirs when loaded or on first call) and
// reference the drivers' connect functions (the targets call them at rotation time): nothing connects.
const AWS_CLIENTS = `
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RDSClient } from '@aws-sdk/client-rds';
export const clients = { secretsManager: new SecretsManagerClient({}), rds: new RDSClient({}) };`;
const KMS_CLIENT = `
import * as kmsSdk from '@alicloud/kms20160120';
// The CommonJS SDKs export their class as exports.default (see provider-alibaba's client.ts).
const unwrap = (module) => { let value = module; while (typeof value !== 'function' && value && 'default' in value) value = value.default; return value; };
const keys = { accessKeyId: 'id', accessKeySecret: 'secret', regionId: 'cn-hangzhou' };
const Kms = unwrap(kmsSdk);
export const kms = new Kms({ ...keys, endpoint: 'kms-vpc.cn-hangzhou.aliyuncs.com' });`;
const RDS_API_CLIENT = `
import * as openApiCore from '@alicloud/openapi-core';
import * as rdsSdk from '@alicloud/rds20140815';
const Rds = unwrap(rdsSdk);
export const rds = new Rds(new openApiCore.$OpenApiUtil.Config({ ...keys, endpoint: 'rds.aliyuncs.com' }));`;
const NCLOUD_CLIENT = `
import axios from 'axios';
import axiosRetry from 'axios-retry';
export const http = axios.create({ baseURL: 'https://ocapi-kr.ncloud.com/secretmanager' });
(typeof axiosRetry === 'function' ? axiosRetry : axiosRetry.default)(http, { retries: 3 });`;
const MYSQL = `
import { createConnection } from 'mysql2/promise';
export const mysql = createConnection;`;
const POSTGRES = `
import pg from 'pg';
export const postgres = pg.Client;`;
const MSSQL = `
import sql from 'mssql';
export const mssql = sql.ConnectionPool;`;

/**
 * The functions measured. A baseline's `packages` are the SDKs and drivers it holds, `from` the
 * rotakit packages whose dependencies it resolves them from.
 */
const FUNCTIONS = [
  {
    name: 'aws-lambda',
    entry: 'src/index.ts',
    baseline: {
      packages: ['@aws-sdk/client-secrets-manager', '@aws-sdk/client-rds', 'mysql2', 'pg'],
      from: ['provider-aws', 'target-mysql', 'target-postgres'],
      source: AWS_CLIENTS + MYSQL + POSTGRES,
    },
  },
  {
    name: 'alibaba-fc',
    entry: 'src/rds-account-api.ts',
    baseline: {
      packages: ['@alicloud/kms20160120', '@alicloud/rds20140815'],
      note: 'no driver: the RDS account API is the database side',
      from: ['provider-alibaba'],
      source: KMS_CLIENT + RDS_API_CLIENT,
    },
  },
  {
    name: 'alibaba-fc',
    entry: 'src/self-managed-mysql.ts',
    baseline: { packages: ['@alicloud/kms20160120', 'mysql2'], from: ['provider-alibaba', 'target-mysql'], source: KMS_CLIENT + MYSQL },
  },
  {
    name: 'ncloud-action',
    entry: 'src/index.ts',
    baseline: {
      packages: ['axios', 'axios-retry', 'mysql2', 'pg', 'mssql'],
      note: "NAVER has no Node SDK for Secret Manager: rotakit's client is axios with axios-retry",
      from: ['provider-ncloud', 'target-mysql', 'target-postgres', 'target-mssql'],
      source: NCLOUD_CLIENT + MYSQL + POSTGRES + MSSQL,
    },
  },
];

/**
 * Bytes in the output per package (`rotakit` for the workspace's own code), and each package's
 * version (from pnpm's store folder, `<name>@<version>`), from esbuild's metafile.
 */
function bytesByPackage(metafile) {
  const [output] = Object.values(metafile.outputs);
  const totals = new Map();
  const versions = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? 'rotakit';
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    const stored = /.*\.pnpm\/([^/]+)\/node_modules\//.exec(file)?.[1];
    const prefix = `${name.replace('/', '+')}@`;
    if (stored?.startsWith(prefix)) versions.set(name, stored.slice(prefix.length).split('_')[0]);
  }
  return { bytes: output.bytes, totals, versions };
}

/** Bundles one entry minified by `rules` into `outfile`; answers its size and composition. */
async function bundle(rules, outfile, entry) {
  const result = await build({
    ...rules,
    ...entry,
    outfile,
    bundle: true,
    platform: 'node',
    minify: true,
    metafile: true,
    logLevel: 'warning',
  });
  return bytesByPackage(result.metafile);
}

// Runs in a fresh node process: the time from before the bundle's import to its module evaluated.
const IMPORT_TIMER = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const [file, format] = process.argv.slice(-2);
const started = performance.now();
if (format === 'cjs') createRequire(file)(file); else await import(pathToFileURL(file).href);
process.stdout.write(String(performance.now() - started));
process.exit(0);`;

/** Imports `file` in a new node process; answers the milliseconds the import took. */
function importTime(file, format) {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', IMPORT_TIMER, file, format], {
    encoding: 'utf8',
    // What Lambda sets before loading a function; no value makes a client connect.
    env: { ...process.env, AWS_REGION: 'us-east-1' },
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`importing ${file} failed: ${child.stderr}`);
  return Number(child.stdout);
}

const median = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const bytes = (value) => value.toLocaleString('en-US');
const ratio = (value, base) => `${(value / base).toFixed(2)}×`;

const out = mkdtempSync(join(tmpdir(), 'rotakit-bundles-'));
try {
  const measured = [];
  for (const [index, fn] of FUNCTIONS.entries()) {
    const rules = RULES[fn.name];
    const extension = rules.format === 'esm' ? 'mjs' : 'cjs';
    const handlerFile = join(out, `${index}-handler.${extension}`);
    const baselineFile = join(out, `${index}-baseline.${extension}`);
    const handler = await bundle(rules, handlerFile, { absWorkingDir: join(ROOT, 'examples', fn.name), entryPoints: [fn.entry] });
    const baseline = await bundle(rules, baselineFile, {
      stdin: { contents: fn.baseline.source, resolveDir: out, sourcefile: 'baseline.js', loader: 'js' },
      // The very versions the handler bundles: resolved from the rotakit packages that depend on them.
      nodePaths: fn.baseline.from.map((name) => join(ROOT, 'packages', name, 'node_modules')),
    });
    measured.push({ fn, format: rules.format, handler, baseline, handlerFile, baselineFile, times: { handler: [], baseline: [] } });
  }

  const loadBefore = loadavg()[0];
  // One untimed import of each (the file cache), then the runs, handler and baseline side by side
  // in alternating order so that drift on the machine weighs on both.
  for (const row of measured) {
    importTime(row.handlerFile, row.format);
    importTime(row.baselineFile, row.format);
  }
  for (let run = 0; run < RUNS; run += 1) {
    for (const row of measured) {
      const order = run % 2 ? ['baseline', 'handler'] : ['handler', 'baseline'];
      for (const which of order) row.times[which].push(importTime(which === 'handler' ? row.handlerFile : row.baselineFile, row.format));
    }
  }

  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = `load average ${loadBefore.toFixed(2)} before the imports, ${loadavg()[0].toFixed(2)} after`;
  console.log(`Node ${process.version}, ${cpus().length} × ${model}; esbuild ${esbuildVersion}; ${RUNS} imports of each bundle, each in a fresh node process; ${load}.\n`);
  console.log('| function | format | bundle (minified) | baseline | size ratio | cold import, median | baseline | import ratio |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const row of measured) {
    const handlerMs = median(row.times.handler);
    const baselineMs = median(row.times.baseline);
    console.log(
      `| ${row.fn.name} \`${row.fn.entry}\` | ${row.format.toUpperCase()} | ${bytes(row.handler.bytes)} B | ${bytes(row.baseline.bytes)} B | ` +
        `${ratio(row.handler.bytes, row.baseline.bytes)} | ${handlerMs.toFixed(1)} ms | ${baselineMs.toFixed(1)} ms | ${ratio(handlerMs, baselineMs)} |`,
    );
  }
  console.log('\nBaselines:\n');
  for (const row of measured) {
    const held = row.fn.baseline.packages.map((name) => `\`${name}\` ${row.baseline.versions.get(name) ?? '(not in the bundle)'}`);
    console.log(`- ${row.fn.name} \`${row.fn.entry}\`: ${held.join(', ')}${row.fn.baseline.note ? ` (${row.fn.baseline.note})` : ''}.`);
  }
  console.log('\nWhat each bundle carries beyond its baseline (bytes of minified output; packages over 10 kB):\n');
  for (const row of measured) {
    const extra = [...row.handler.totals]
      .map(([name, size]) => [name, size - (row.baseline.totals.get(name) ?? 0)])
      .filter(([name, size]) => name === 'rotakit' || size > 10_000)
      .sort((a, b) => b[1] - a[1])
      .map(([name, size]) => `${name === 'rotakit' ? "rotakit and the example's own code" : `\`${name}\``} ${bytes(size)}`);
    console.log(`- ${row.fn.name} \`${row.fn.entry}\`: ${extra.join(', ')}.`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
