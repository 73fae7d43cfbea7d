export { mssqlTarget, sameLogin } from './target.js';
export type { MssqlTargetOptions, MssqlTlsOptions } from './options.js';
