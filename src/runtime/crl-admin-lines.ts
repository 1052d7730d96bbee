/**
 * What the admin listener's CRL state says in the metrics, as the Docker listener's does
 * (crl-lockouts.ts): the counts `dockgate_admin_tls_cas_refused` reads. Nothing without
 * `admin.tls.crl`. Its `crl-lockout` and `crl-expired-connections-closed` lines are
 * lockout-log.ts's and crl-cut-log.ts's, as the Docker listener's.
 */
import type { AdminTlsMaterial } from '../admin/admin-tls.js';
import { crlLockouts, lockoutCounts, type CrlLockoutReason } from './crl-lockouts.js';

/** Per reason, the CAs of `admin.tls.ca` whose every scraper is refused at `now` (all 0 without admin TLS). */
export function adminLockoutCounts(material: AdminTlsMaterial | undefined, now: Date): Record<CrlLockoutReason, number> {
  return lockoutCounts(material ? crlLockouts(material.casWithoutCrl, material.crls, now) : []);
}
