/**
 * The sweep after a CA bundle change, at its edges: a connection already gone is not counted
 * as closed, and a connection without a bound identity is closed even when the certificate it
 * presents leads to the new bundle (it is vouched for only with the identity bound at its
 * handshake). Sockets are stand-ins presenting a real self-signed CA certificate.
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createCa } from '../../../src/pki/ca.js';
import { closeUntrustedConnections } from '../../../src/server/ca-trust.js';

describe('closeUntrustedConnections at its edges', async () => {
  const now = new Date();
  const root = new X509Certificate((await createCa({ keyType: 'ecdsa', days: 30, now, hostname: 'edge' })).certPem);
  const other = new X509Certificate((await createCa({ keyType: 'ecdsa', days: 30, now, hostname: 'other' })).certPem);
  const previous = { caCerts: [root, other] };
  const next = { caCerts: [root] };
  const socket = (destroyed: boolean) => {
    const peer: Record<string, unknown> = { raw: root.raw, fingerprint256: root.fingerprint256 };
    peer.issuerCertificate = peer;
    const s = { destroyed, destroy: () => void (s.destroyed = true), getPeerCertificate: () => peer };
    return s;
  };

  it('a connection already gone is not counted', () => {
    expect(closeUntrustedConnections([socket(true) as unknown as TLSSocket], previous, next)).toBe(0);
  });

  it('a connection whose identity was never bound is closed, though its certificate is in the new bundle', () => {
    const s = socket(false);
    expect(closeUntrustedConnections([s as unknown as TLSSocket], previous, next)).toBe(1);
    expect(s.destroyed).toBe(true);
  });
});
