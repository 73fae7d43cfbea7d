import { InvalidOptionsError } from './errors.js';

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
}

/**
 * The presets of `bundles` (name → the PEM certificates, read when first asked for). Core names no
 * bundle: each target passes the ones its engine's clouds publish.
 */
export function defineCaPresets<Name extends string>(bundles: Readonly<Record<Name, () => readonly string[]>>): CaPresets<Name> {
  const names = Object.keys(bundles) as Name[];
  const has = (value: unknown): value is Name => typeof value === 'string' && (names as readonly string[]).includes(value);
  return {
    names,
    has,
    certificates(name) {
      if (!has(name)) throw new InvalidOptionsError(`tls.ca names no preset; presets: ${names.join(', ')}`, { field: 'tls.ca' });
      return [...bundles[name]()];
    },
  };
}
