/**
 * The `crl-lockout` lines: which CAs the CRLs in force lock out, on the Docker listener (`tls.crl`)
 * or the admin listener (`admin.tls.crl`, with `listener: "admin"`), at start and after each TLS
 * reload.
 */
import type { OperationalLog } from '../observe/logger.js';
import type { CrlInfo } from '../server/crl.js';
import { CRL_LISTENERS, type CrlListener } from '../server/crl-listeners.js';
import { crlLockouts, lockoutMessage } from './crl-lockouts.js';

/**
 * A CRL in force that has expired or is not valid yet refuses every peer of its CA (a reload
 * put it in force: fail closed, as the older CRL may lack revocations): one error per CA naming it
 * and the date (`event: "crl-lockout"`). A CA without a CRL is the listener's `tls-config`
 * warning's. `material`: the listener's TLS material in force (none: no line, as for an admin
 * listener without TLS).
 */
export function logCrlLockouts(log: OperationalLog, listener: CrlListener, material: { crls: readonly CrlInfo[] } | undefined, now: Date): void {
  const { logFields } = CRL_LISTENERS[listener];
  for (const l of crlLockouts([], material?.crls ?? [], now)) {
    log.error({ event: 'crl-lockout', ...logFields, reason: l.reason, ca: l.ca, caFingerprint: l.caFingerprint, at: l.at?.toISOString() }, lockoutMessage(l, listener));
  }
}
