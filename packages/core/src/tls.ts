import { X509Certificate } from 'node:crypto';
import { InvalidOptionsError } from './errors.js';
import { optionChecks } from './options.js';
import { TLS_MODES, type TlsMode } from './target.js';

/** Node's and OpenSSL's codes for a chain that ends at an authority the client does not trust. */
const UNKNOWN_AUTHORITY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);
const UNKNOWN_AUTHORITY_MESSAGE = /self[- ]signed certificate|unable to get (local )?issuer certificate|unable to verify the first certificate/i;

/** Whether a TLS failure (its code, or its message) means the server's certificate authority is not trusted. */
export function isUnknownAuthority(code: unknown, message: unknown): boolean {
  return (typeof code === 'string' && UNKNOWN_AUTHORITY_CODES.has(code)) || (typeof message === 'string' && UNKNOWN_AUTHORITY_MESSAGE.test(message));
}

/** Named bundles of certificate authorities that a target takes as `tls.ca` in place of PEM. */
export interface CaPresets<Name extends string> {
  /** Every preset name. */
  readonly names: readonly Name[];
  /** Whether `value` names a preset. */
  has(value: unknown): value is Name;
  /** A preset's PEM certificates, one a string (a fresh array); `InvalidOptionsError` naming `tls.ca` for another name. */
  certificates(name: Name): string[];
  /** What to do about a certificate from an unknown authority, for an error message: the options that fix it. */
  readonly unknownAuthorityHint: string;
}

/**
 * The presets of `bundles` (name → the PEM certificates, read when first asked for). Core names no
 * bundle: each target passes the ones its engine's clouds publish.
 */
export function defineCaPresets<Name extends string>(bundles: Readonly<Record<Name, () => readonly string[]>>): CaPresets<Name> {
  const names = Object.keys(bundles) as Name[];
  const has = (value: unknown): value is Name => typeof value === 'string' && (names as readonly string[]).includes(value);
  const presetList = names.map((name) => `tls.ca: '${name}'`).join(' or ');
  return {
    names,
    has,
    certificates(name) {
      if (!has(name)) throw new InvalidOptionsError(`tls.ca names no preset; presets: ${names.join(', ')}`, { field: 'tls.ca' });
      return [...bundles[name]()];
    },
    unknownAuthorityHint: `the server's certificate authority is not trusted: pass the server's CA (PEM) as tls.ca${names.length > 0 ? `, or ${presetList} where the server is one of that preset's` : ''}`,
  };
}

/** TLS settings every target takes, as `tls: { … }` or as a bare mode (`tls: 'require'`). */
export interface TlsOptions<Preset extends string = string> {
  /** `verify` (default): chain and host name checked; `require`: encrypted, unchecked; `disable`: plaintext. */
  readonly mode?: TlsMode;
  /** PEM of the CA(s) to trust under `verify` instead of Node's roots, or the name of one of the target's presets. */
  readonly ca?: string | Buffer | Preset;
  /** The name the server certificate must carry under `verify`, when it differs from the host. */
  readonly servername?: string;
}

/** The `tls` option as a target takes it: a mode, or settings. */
export type TlsOption<Preset extends string = string> = TlsMode | TlsOptions<Preset>;

/**
 * The connection options every database target takes, under the same names and rules; each
 * target's options extend them with its engine's own.
 */
export interface TargetConnectionOptions<Preset extends string = string> {
  /**
   * A TLS mode (`verify`, the default; `require`; `disable`), or `{ mode, ca, servername }`; `ca`
   * (PEM, or one of the target's presets) and `servername` go with `verify` only.
   */
  readonly tls?: TlsOption<Preset>;
  /** How long a login (with its TLS handshake) may take, in milliseconds: 100 to 120000, default 5000. */
  readonly connectTimeoutMs?: number;
  /** The longest username the target accepts; each target says in what unit, and its default and maximum. */
  readonly maxUsernameLength?: number;
}

/** {@link TargetConnectionOptions} after validation, every default filled in. */
export interface ResolvedConnectionOptions {
  /** `ca` is the PEM given, or a preset's certificates. */
  readonly tls: ResolvedTls;
  readonly connectTimeoutMs: number;
  readonly maxUsernameLength: number;
}

/** TLS settings after validation: `ca` is the PEM given, or a preset's certificates. */
export interface ResolvedTls {
  readonly mode: TlsMode;
  readonly ca?: string | Buffer | string[];
  readonly servername?: string;
}

const TLS_KEYS = ['mode', 'ca', 'servername'] as const;

/**
 * Validates a target's `tls` option (a mode or `{mode, ca, servername}`; default `verify`) and
 * resolves a preset `ca` to its certificates. `ca` must parse as a PEM certificate; `ca` and
 * `servername` go with `verify` only (`require` checks no certificate, so they would be ignored
 * silently). Throws `InvalidOptionsError` naming `tls`, `tls.mode`, `tls.ca` or `tls.servername`;
 * `subject` names the target in messages.
 */
export function resolveTls<Preset extends string>(option: unknown, presets: CaPresets<Preset>, subject: string): ResolvedTls {
  const check = optionChecks(subject);
  if (typeof option === 'string') return { mode: check.oneOf(option, 'tls', TLS_MODES, 'verify') };
  const given = check.record(option, 'tls');
  check.refuseUnknownKeys(given, TLS_KEYS, 'tls.');
  const mode = check.oneOf(given['mode'], 'tls.mode', TLS_MODES, 'verify');
  const { ca, servername } = given;
  for (const [field, value] of [['tls.ca', ca], ['tls.servername', servername]] as const) {
    if (value !== undefined && mode !== 'verify') throw check.invalid(field, 'is only used with mode verify: require checks no certificate');
  }
  if (servername !== undefined && (typeof servername !== 'string' || !DNS_NAME.test(servername))) {
    throw check.invalid('tls.servername', 'must be a DNS host name');
  }
  return {
    mode,
    ...(ca === undefined ? {} : { ca: resolveCa(ca, presets, check.invalid) }),
    ...(servername === undefined ? {} : { servername }),
  };
}

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function resolveCa<Preset extends string>(
  ca: unknown,
  presets: CaPresets<Preset>,
  invalid: (field: string, rule: string) => InvalidOptionsError,
): string | Buffer | string[] {
  if (presets.has(ca)) return presets.certificates(ca);
  const names = presets.names.length > 0 ? ` or a preset (${presets.names.join(', ')})` : '';
  if (typeof ca !== 'string' && !Buffer.isBuffer(ca)) throw invalid('tls.ca', `must be PEM (a string or a Buffer)${names}`);
  try {
    new X509Certificate(ca);
  } catch {
    throw invalid('tls.ca', presets.names.length > 0 ? `is neither a PEM certificate nor a preset (${presets.names.join(', ')})` : 'is not a PEM certificate');
  }
  return ca;
}
