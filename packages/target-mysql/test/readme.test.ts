import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');

describe('the README', () => {
  it('shows as its quick start exactly test/readme-snippet.ts, which pnpm typecheck compiles', async () => {
    const blocks = [...read('../README.md').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    expect(blocks).toEqual([read('./readme-snippet.ts')]);
    const snippet = await import('./readme-snippet.js');
    expect(snippet.rotateDatabaseSecret).toBeTypeOf('function');
  });
});
