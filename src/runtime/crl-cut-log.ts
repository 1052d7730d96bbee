/**
 * The `crl-expired-connections-closed` line of either listener: open connections cut because the
 * CRL in force of a CA of their chain has expired (crl-expiry-cuts.ts on the Docker listener,
 * admin-crl-expiry.ts on the admin listener), worded as crl-listeners.ts words the listener.
 */
import type { OperationalLog } from '../observe/logger.js';
import { CRL_LISTENERS, type CrlListener } from '../server/crl-listeners.js';
import { commandName } from '../core/command-name.js';

/**
 * The warning that `count` open connections of `listener` were closed for an expired CRL, and
 * whose (`certificates`: `<CN> (serial <hex>): <count>`); the admin listener's line carries
 * `listener: "admin"`.
 */
export function logCrlCut(log: OperationalLog, listener: CrlListener, count: number, certificates: string[]): void {
  const { openConnections, crlInForce, logFields } = CRL_LISTENERS[listener];
  log.warn(
    { event: 'crl-expired-connections-closed', ...logFields, closed: count, certificates },
    `${openConnections} were closed: ${crlInForce} of a CA of their chain has expired (CRL_HAS_EXPIRED), and it may lack revocations made since; install a CRL valid now ("${commandName()} certs crl")`,
  );
}
