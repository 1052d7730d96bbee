import { describe, expect, it } from 'vitest';
import { classifyVerifyError } from '../../../src/server/handshake-failure.js';

describe('classifyVerifyError', () => {
  it.each([
    ['CERT_HAS_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'expired'],
    ['CERT_REVOKED', 'revoked'],
    ['INVALID_PURPOSE', 'bad-usage'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown-ca'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unknown-ca'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'unknown-ca'],
    ['CRL_HAS_EXPIRED', 'other'],
    ['UNABLE_TO_GET_CRL', 'other'],
    ['SOMETHING_NEW', 'other'],
  ])('%s -> %s', (code, reason) => {
    const out = classifyVerifyError(code);
    expect(out.reason).toBe(reason);
    expect(out.detail.startsWith(`client certificate not verified: ${code}`)).toBe(true);
  });

  it('a missing CRL while every CA of tls.ca has its CRL: the client\'s chain is not ours (unknown-ca)', () => {
    expect(classifyVerifyError('UNABLE_TO_GET_CRL', true).reason).toBe('unknown-ca');
    expect(classifyVerifyError('UNABLE_TO_GET_CRL', false).reason).toBe('other');
    expect(classifyVerifyError('CRL_HAS_EXPIRED', true).reason).toBe('other');
  });

  it('a missing CRL names both causes: a CA of tls.ca without its CRL, or a client chain through a certificate that is no CA of it', () => {
    expect(classifyVerifyError('UNABLE_TO_GET_CRL').detail).toContain('otherwise the client\'s chain goes through a certificate that is no CA of tls.ca');
  });

  it('blames the gateway CRL, not the client, for CRL problems', () => {
    expect(classifyVerifyError('CRL_HAS_EXPIRED').detail).toBe("client certificate not verified: CRL_HAS_EXPIRED (a problem with the gateway's tls.crl: every client is refused until it is fixed)");
  });
});
