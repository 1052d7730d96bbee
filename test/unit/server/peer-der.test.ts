/**
 * peerDer gives isRevoked the DER of the certificate a connection's identity was made from,
 * and only that one: a session presenting another certificate (whatever the reason) gives
 * none, so the revocation check falls back to every CA of the issuer's name.
 */
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { peerDer } from '../../../src/server/revoked.js';

describe('peerDer', () => {
  const raw = Buffer.from([0x30, 0x00]);
  const socket = { getPeerCertificate: () => ({ raw, fingerprint256: 'AB:CD:EF' }) } as unknown as TLSSocket;
  it.each<[string, string, Buffer | undefined]>([
    ['the identity\'s certificate', 'abcdef', raw],
    ['another certificate than the identity\'s', 'abcd00', undefined],
  ])('%s', (_label, fingerprint, want) => {
    expect(peerDer(socket, { fingerprint })()).toBe(want);
  });
});
