export { mssqlTarget, sameLogin } from './session.js';
export type { MssqlTargetOptions, MssqlTlsOptions } from './options.js';
export { TLS_CA_PRESETS, tlsCaPreset } from './ca-presets.js';
export type { TlsCaPreset } from './ca-presets.js';
