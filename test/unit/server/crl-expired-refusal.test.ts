/**
 * The detail of a handshake refused as it completes because the CRL in force of a CA of its
 * chain has expired (expiredCrlRefusal): it says whether that CRL reached its nextUpdate while
 * the handshake was in progress or a reload installed it already expired, and names the
 * listener's CRL file. Before, the Docker listener said "installed" in both cases.
 */
import { describe, expect, it } from 'vitest';
import { expiredCrlRefusal } from '../../../src/server/crl-expired-chain.js';

const INSTALLED = new Date('2026-06-01T12:00:00.000Z');
const at = (ms: number) => new Date(INSTALLED.getTime() + ms);
const INSTALLED_EXPIRED = 'it was installed while this handshake was in progress';
const EXPIRED_IN_FORCE = 'it reached its nextUpdate while this handshake was in progress';

describe('expiredCrlRefusal', () => {
  it.each([
    { name: 'expired before the reload that installed it', listener: 'docker', nextUpdate: at(-3000), what: INSTALLED_EXPIRED, file: "tls.crl, every client" },
    { name: 'expired at the very moment it was installed', listener: 'docker', nextUpdate: at(0), what: INSTALLED_EXPIRED, file: "tls.crl, every client" },
    { name: 'valid when installed, expired in force', listener: 'docker', nextUpdate: at(1), what: EXPIRED_IN_FORCE, file: "tls.crl, every client" },
    { name: 'admin: expired before the reload that installed it', listener: 'admin', nextUpdate: at(-3000), what: INSTALLED_EXPIRED, file: "admin.tls.crl, every scraper" },
    { name: 'admin: valid when installed, expired in force', listener: 'admin', nextUpdate: at(60_000), what: EXPIRED_IN_FORCE, file: "admin.tls.crl, every scraper" },
  ] as const)('$name: "$what"', ({ listener, nextUpdate, what, file }) => {
    const detail = expiredCrlRefusal({ issuer: '"CN=team CA"', nextUpdate }, INSTALLED, listener);
    expect(detail).toBe(
      `client certificate not verified: CRL_HAS_EXPIRED (the CRL in force of "CN=team CA", a CA of its chain, has expired since ${nextUpdate.toISOString()}; ${what}: a problem with the gateway's ${file} of that CA is refused until a CRL valid now is installed, "dockgate certs crl")`,
    );
  });
});
