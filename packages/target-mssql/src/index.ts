export { mssqlTarget } from './target.js';
export type { MssqlTarget } from './target.js';
export type { MssqlTargetOptions, MssqlTlsOptions, ResolvedMssqlOptions, TlsCaPreset } from './options.js';
