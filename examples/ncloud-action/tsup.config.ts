import { defineConfig } from 'tsup';

// One CommonJS file with every dependency inside: the action's code as Cloud Functions runs it.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['cjs'],
  platform: 'node',
  target: 'node22',
  clean: true,
  noExternal: [/.*/],
  // pg loads its optional native binding only when asked to; the action never asks.
  external: ['pg-native'],
});
