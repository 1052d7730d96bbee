/**
 * The certificate expiry gauge (dockgate_certificate_expiry_timestamp_seconds) for the TLS
 * material of either listener, set at start and after each reload.
 */
import type { AdminTlsMaterial } from '../admin/admin-tls.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import type { TlsMaterial } from '../server/tls-material.js';

/** The Docker listener's server certificate, CA bundle and CRLs in the expiry gauge, and the count of CRLs in force. */
export function recordTlsExpiry(metrics: GatewayMetrics, tls: TlsMaterial): void {
  metrics.setCertificateExpiry('server', 'server', tls.serverNotAfter);
  metrics.replaceCertificateExpiry('ca', tls.caNotAfter.map((d, i) => ({ name: i === 0 ? 'ca' : `ca-${i}`, notAfter: d })));
  // Past a CRL's nextUpdate OpenSSL refuses every client of its CA: it alerts like an expired certificate.
  metrics.replaceCertificateExpiry('crl', tls.crls.flatMap((c, i) => (c.nextUpdate ? [{ name: i === 0 ? 'crl' : `crl-${i}`, notAfter: c.nextUpdate }] : [])));
  metrics.setCrlsInForce(tls.crls.length);
}

/**
 * The admin listener's own `admin.tls` files in the expiry gauge, apart from the Docker
 * listener's: `kind` `admin-server`, `admin-ca` (`ca`, `ca-1`, ...) and `admin-crl` (`crl`,
 * `crl-1`, ...), so the expiry alerts cover them too (rev-observe F1).
 */
export function recordAdminTlsExpiry(metrics: GatewayMetrics, admin: AdminTlsMaterial): void {
  metrics.setCertificateExpiry('admin-server', 'server', admin.server.notAfter);
  metrics.replaceCertificateExpiry('admin-ca', admin.caNotAfter.map((d, i) => ({ name: i === 0 ? 'ca' : `ca-${i}`, notAfter: d })));
  metrics.replaceCertificateExpiry('admin-crl', admin.crls.flatMap((c, i) => (c.nextUpdate ? [{ name: i === 0 ? 'crl' : `crl-${i}`, notAfter: c.nextUpdate }] : [])));
}
