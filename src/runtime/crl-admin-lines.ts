/**
 * What the admin listener's CRL state says in the operational log and the metrics, as the
 * Docker listener's does (crl-lockouts.ts): the `crl-expired-connections-closed` line, with
 * `listener: "admin"`, and the counts `dockgate_admin_tls_cas_refused` reads. Nothing without
 * `admin.tls.crl`. Its `crl-lockout` lines are lockout-log.ts's, as the Docker listener's.
 */
import type { AdminTlsMaterial } from '../admin/admin-tls.js';
import type { OperationalLog } from '../observe/logger.js';
import { crlLockouts, lockoutCounts, type CrlLockoutReason } from './crl-lockouts.js';

/** Per reason, the CAs of `admin.tls.ca` whose every scraper is refused at `now` (all 0 without admin TLS). */
export function adminLockoutCounts(material: AdminTlsMaterial | undefined, now: Date): Record<CrlLockoutReason, number> {
  return lockoutCounts(material ? crlLockouts(material.casWithoutCrl, material.crls, now) : []);
}

/** The warning that open admin connections were cut for an expired CRL: how many, and whose (`<CN> (serial <hex>): <count>`). */
export function logAdminCrlCut(log: OperationalLog, count: number, certificates: string[]): void {
  log.warn(
    { event: 'crl-expired-connections-closed', listener: 'admin', closed: count, certificates },
    'open admin connections were closed: the CRL in force (admin.tls.crl) of a CA of their chain has expired (CRL_HAS_EXPIRED), and it may lack revocations made since; install a CRL valid now ("dockgate certs crl")',
  );
}
