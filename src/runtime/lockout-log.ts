/** The `crl-lockout` lines: which CAs the CRLs in force lock out, at start and after each TLS reload. */
import type { OperationalLog } from '../observe/logger.js';
import type { TlsMaterial } from '../server/tls-material.js';
import { crlLockouts, lockoutMessage } from './crl-lockouts.js';

/**
 * A CRL in force that has expired or is not valid yet refuses every client of its CA (a reload
 * put it in force: fail closed, as the older CRL may lack revocations): one line per CA naming it
 * and the date (`event: "crl-lockout"`). A CA without a CRL is the `tls-config` warning's.
 */
export function logCrlLockouts(log: OperationalLog, tls: TlsMaterial, now: Date): void {
  for (const l of crlLockouts([], tls.crls, now)) {
    log.error({ event: 'crl-lockout', reason: l.reason, ca: l.ca, caFingerprint: l.caFingerprint, at: l.at?.toISOString() }, lockoutMessage(l));
  }
}
