// Measures what a rotation costs: core's own overhead (memory store and target), password
// generation, and whole rotations against real PostgreSQL and MariaDB servers started here.
// Run: pnpm bench (from the repository root). Prints a Markdown table.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import {
  alternatingUsers,
  defaultSchema,
  generatePassword,
  MemorySecretStore,
  MemoryTarget,
  rotate,
  singleUser,
} from '@rotakit/core';
import { mysqlTarget } from '@rotakit/target-mysql';
import { postgresTarget } from '@rotakit/target-postgres';
import { startMariaDb, startPostgres } from '@rotakit/testkit';

const rows = [];

function summary(name, samplesMs, unit = 'ms') {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  rows.push({ name, runs: sorted.length, median: at(0.5), p95: at(0.95), unit });
}

async function timeRotations(name, runs, makeRequest) {
  const samples = [];
  for (let i = 0; i < runs; i += 1) {
    const request = makeRequest();
    const started = performance.now();
    await rotate(request);
    samples.push(performance.now() - started);
  }
  summary(name, samples);
}

async function coreOverhead() {
  for (const [label, strategy] of [
    ['single-user', singleUser()],
    ['alternating-users', alternatingUsers({ suffix: '_clone' })],
  ]) {
    const store = new MemorySecretStore();
    store.putSecret('master', { host: 'db', username: 'admin', password: 'admin-password' });
    store.putSecret('app', { host: 'db', username: 'app', password: 'app-password', masterSecret: 'master' });
    const target = new MemoryTarget({
      tls: 'disable',
      users: { app: { password: 'app-password' }, admin: { password: 'admin-password', privileged: true } },
    });
    await timeRotations(`core, memory store and target, ${label}`, 2000, () => ({
      store, target, strategy, schema: defaultSchema, secretId: 'app',
    }));
  }
}

function passwords() {
  const samples = [];
  for (let batch = 0; batch < 20; batch += 1) {
    const started = performance.now();
    for (let i = 0; i < 5000; i += 1) generatePassword();
    samples.push(((performance.now() - started) * 1000) / 5000);
  }
  summary('generatePassword(), 32 characters, per password', samples, 'µs');
}

async function postgres() {
  const server = await startPostgres();
  try {
    await server.query(`CREATE ROLE app LOGIN PASSWORD 'app-password-1'`);
    await server.query('CREATE TABLE orders (id serial PRIMARY KEY, note text)');
    await server.query('GRANT SELECT, INSERT ON orders TO app');
    await server.query('GRANT USAGE ON SEQUENCE orders_id_seq TO app');
    const base = { host: server.host, port: server.port, database: server.database, tls: false };
    // One store for every run: each rotation starts from where the last one left the database.
    const store = new MemorySecretStore();
    store.putSecret('master', { ...base, username: server.admin.username, password: server.admin.password });
    store.putSecret('app', { ...base, username: 'app', password: 'app-password-1', masterSecret: 'master' });
    for (const encoding of ['scram-sha-256', 'plaintext']) {
      const target = postgresTarget({ tls: { mode: 'disable' }, passwordEncoding: encoding });
      for (const [label, strategy] of [
        ['single-user', singleUser()],
        ['alternating-users', alternatingUsers({ suffix: '_clone' })],
      ]) {
        await timeRotations(`PostgreSQL ${label}, ${encoding}`, 30, () => ({
          store, target, strategy, schema: defaultSchema, secretId: 'app',
        }));
      }
    }
  } finally {
    await server.close();
  }
}

async function mariadb() {
  const server = await startMariaDb();
  try {
    const admin = await mysql.createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
    await admin.query('CREATE DATABASE shop');
    await admin.query('CREATE TABLE shop.orders (id int AUTO_INCREMENT PRIMARY KEY, note text)');
    await admin.query(`CREATE USER 'app'@'%' IDENTIFIED BY 'app-password-1'`);
    await admin.query(`GRANT SELECT, INSERT ON shop.orders TO 'app'@'%'`);
    await admin.end();
    const base = { host: server.host, port: server.port, database: 'shop', tls: false };
    const store = new MemorySecretStore();
    store.putSecret('master', { ...base, username: server.admin.username, password: server.admin.password });
    store.putSecret('app', { ...base, username: 'app', password: 'app-password-1', masterSecret: 'master' });
    const target = mysqlTarget({ tls: 'disable' });
    for (const [label, strategy] of [
      ['single-user', singleUser()],
      ['alternating-users', alternatingUsers({ suffix: '_clone' })],
    ]) {
      await timeRotations(`MariaDB ${label}`, 30, () => ({ store, target, strategy, schema: defaultSchema, secretId: 'app' }));
    }
  } finally {
    await server.close();
  }
}

await coreOverhead();
passwords();
await postgres();
await mariadb();

const fixed = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}\n`);
console.log('| what | runs | median | p95 |');
console.log('|---|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.name} | ${row.runs} | ${fixed(row.median)} ${row.unit} | ${fixed(row.p95)} ${row.unit} |`);
