/**
 * The conformance suites register vitest tests, and vitest loads only as ESM: this entry point is
 * `@rotakit/testkit/conformance`, ESM only, so that the main entry stays loadable from CommonJS.
 *
 * @module @rotakit/testkit/conformance
 */
export { HOSTILE_PASSWORDS, HOSTILE_USERNAMES } from './hostile.js';
export { describeRuntimeConformance } from './runtime.js';
export type {
  RuntimeConformanceAccount,
  RuntimeConformanceDriver,
  RuntimeConformanceEmulator,
  RuntimeConformanceFailure,
  RuntimeConformanceFaultKind,
  RuntimeConformanceFixture,
  RuntimeConformanceRotation,
  RuntimeConformanceView,
} from './runtime.js';
export { describeStoreConformance } from './store.js';
export type { StoreConformanceFixture } from './store.js';
export { describeTargetConformance } from './target.js';
export type { TargetConformanceFixture } from './target.js';
