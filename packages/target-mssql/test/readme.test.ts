import { readFileSync } from 'node:fs';
import { alternatingUsers, defaultSchema, isRotakitError, MemorySecretStore, rotate, type SecretStore } from '@rotakit/core';
import { mssqlTarget } from '@rotakit/target-mssql';
import { MssqlFake } from '@rotakit/testkit';
import { describe, expect, it } from 'vitest';

/** The README's quick start, line for line between the markers; `store` and `secretId` are the reader's. */
async function quickStart(store: SecretStore, secretId: string): Promise<void> {
  // README quick start: begin
  const target = mssqlTarget({
    tls: { mode: 'verify', ca: 'aws-rds' },
    connectTimeoutMs: 5000,
  });

  await rotate({ store, target, strategy: alternatingUsers({ suffix: '_clone' }), schema: defaultSchema, secretId });
  // README quick start: end
}

const lines = (text: string): string[] => text.split('\n').map((line) => line.trim()).filter((line) => line !== '');

/** `module → names` of the named imports in `text` (`import { a, type B } from 'm'`). */
function namedImports(text: string): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const [, names = '', from = ''] of text.matchAll(/^import \{([^}]*)\} from '([^']+)';$/gm)) {
    imports.set(from, [...(imports.get(from) ?? []), ...names.split(',').map((name) => name.trim())]);
  }
  return imports;
}

describe('README.md', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

  it('has one TypeScript snippet, the quick start, compiled here: its imports and its lines', () => {
    expect(snippets).toHaveLength(1);
    const snippet = lines(snippets[0] ?? '');
    const compiled = namedImports(source);
    for (const [from, names] of namedImports(snippets[0] ?? '')) expect(compiled.get(from)).toEqual(expect.arrayContaining(names));
    const body = /\/\/ README quick start: begin\n([\s\S]*?)\/\/ README quick start: end/.exec(source)?.[1] ?? '';
    expect(snippet.filter((line) => !line.startsWith('import '))).toEqual(lines(body));
  });

  it('runs: it verifies the server, so a server that offers no TLS gets no password', async () => {
    const fake = await MssqlFake.start();
    try {
      const store = new MemorySecretStore();
      store.putSecret('admin', { username: 'sa', password: 'Readme-admin-password-1', host: fake.host, port: fake.port });
      store.putSecret('app', { username: 'app', password: 'Readme-app-password-1', host: fake.host, port: fake.port, masterSecret: 'admin' });
      const error = await quickStart(store, 'app').then(() => undefined, (e: unknown) => e);
      expect(isRotakitError(error, 'TlsRequired'), String(error)).toBe(true);
      expect(fake.logins).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
