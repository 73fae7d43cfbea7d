import { describe, expect, it } from 'vitest';
import { defineCaPresets, isUnknownAuthority, markChangedNothing, StepFailedError, TargetAuthFailedError } from '@rotakit/core';

describe('the adapter kit', () => {
  it('tells an unknown certificate authority by code or by message, and nothing else', () => {
    expect(isUnknownAuthority('SELF_SIGNED_CERT_IN_CHAIN', '')).toBe(true);
    expect(isUnknownAuthority(undefined, 'unable to get local issuer certificate')).toBe(true);
    expect(isUnknownAuthority('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames")).toBe(false);
    expect(isUnknownAuthority('ECONNREFUSED', 'connect ECONNREFUSED')).toBe(false);
  });

  it('resolves a CA preset to a fresh copy of its certificates, and refuses another name naming tls.ca', () => {
    const presets = defineCaPresets<'mine'>({ mine: () => ['-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----'] });
    expect(presets.names).toEqual(['mine']);
    expect(presets.has('mine')).toBe(true);
    expect(presets.has('other')).toBe(false);
    const first = presets.certificates('mine');
    first.push('changed');
    expect(presets.certificates('mine')).toHaveLength(1);
    expect(() => presets.certificates('other' as 'mine')).toThrow(expect.objectContaining({ code: 'InvalidOptions', field: 'tls.ca' }));
  });

  it('marks a rotakit error as having changed nothing, in place, and leaves other values alone', () => {
    const error = new StepFailedError('the first statement was refused', false, { field: 'user' });
    expect(markChangedNothing(error)).toBe(error);
    expect(error).toMatchObject({ changedNothing: true, field: 'user', code: 'StepFailed' });
    const refused = new TargetAuthFailedError('refused', { changedNothing: true });
    expect(markChangedNothing(refused).changedNothing).toBe(true);
    const plain = new Error('plain');
    expect(markChangedNothing(plain)).toBe(plain);
    expect((plain as { changedNothing?: boolean }).changedNothing).toBeUndefined();
  });
});
