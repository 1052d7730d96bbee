/**
 * The admin listener's check at the end of each handshake (expiredAdminCrlRefusal): the
 * session's peer certificate is read, and its issuer parsed, only when a CRL of `admin.tls.crl`
 * in force has expired. Before, every handshake read and parsed it, with no CRL at all.
 */
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { expiredAdminCrlRefusal } from '../../../src/admin/admin-crl-expiry.js';
import type { AdminTlsMaterial } from '../../../src/admin/admin-tls.js';
import type { CrlInfo } from '../../../src/server/crl.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;

/** A CRL of one CA, valid from an hour before NOW until `nextUpdate`. */
function crl(nextUpdate: Date): CrlInfo {
  return { issuer: 'CN=scrapers CA', ca: 'ca-key', thisUpdate: new Date(NOW.getTime() - HOUR), nextUpdate, tbsHash: 'h', block: '' };
}

/** Admin TLS material with `ca` (so revocation is set) and the CRLs `crls` in force. */
function material(crls: CrlInfo[]): AdminTlsMaterial {
  return { revocation: { revocations: [], caNames: [] }, crls } as unknown as AdminTlsMaterial;
}

/** A socket whose getPeerCertificate counts its calls (and has no certificate: nothing more is parsed). */
function countingSocket(): { socket: TLSSocket; reads: () => number } {
  let reads = 0;
  const socket = { getPeerCertificate: () => ((reads += 1), {}) } as unknown as TLSSocket;
  return { socket, reads: () => reads };
}

describe('expiredAdminCrlRefusal reads the peer certificate only when a CRL in force has expired', () => {
  it.each([
    { name: 'no admin.tls (no material)', material: undefined, reads: 0 },
    { name: 'admin.tls.ca without admin.tls.crl', material: material([]), reads: 0 },
    { name: 'a CRL valid now', material: material([crl(new Date(NOW.getTime() + HOUR))]), reads: 0 },
    { name: 'a CRL past its nextUpdate', material: material([crl(new Date(NOW.getTime() - 1000))]), reads: 1 },
  ])('$name: $reads read(s)', ({ material, reads }) => {
    const s = countingSocket();
    expect(expiredAdminCrlRefusal(s.socket, material, NOW, NOW)).toBeUndefined();
    expect(s.reads()).toBe(reads);
  });
});
