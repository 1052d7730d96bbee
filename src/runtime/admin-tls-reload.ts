/**
 * The admin listener's TLS reload, as the gateway runs it: the files of `admin.tls` read again
 * by the admin listener (AdminServer.reloadTls), and what the reload did logged and recorded
 * (the reload gauge, the expiry gauges, the CRL lockouts and cuts, the held CRL for readiness,
 * the read again at a held file's date). Reloads overlap as on the Docker listener
 * (docker-tls-reload.ts): one a newer reload overtook says nothing, and one that fails after a
 * newer one finished changes nothing.
 */
import type { AdminServer } from '../admin/admin-server.js';
import type { OperationalLog } from '../observe/logger.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import { logCrlCut } from './crl-cut-log.js';
import type { PendingCrl } from './crl-pending.js';
import { logExpiryWarnings } from './expiry-warnings.js';
import { FileReads } from './file-reads.js';
import { logCrlLockouts } from './lockout-log.js';
import { createReloadRetry, reloadRetryAt } from './server-certificate-dates.js';
import { recordAdminTlsExpiry } from './tls-expiry-gauges.js';

/** The admin listener's TLS reload: `reload` reads the files again; `cancelRetry` at shutdown. */
export interface AdminListenerTlsReload {
  /** Read the `admin.tls` files and put what may go into force in force (never rejects). */
  reload(): Promise<void>;
  /** The newest settled reload's CRL file (admin.tls.crl), when it was held back as not valid yet. */
  pendingCrl(): PendingCrl | undefined;
  /** Cancel the read again set for a date a held file becomes valid. */
  cancelRetry(): void;
  /**
   * Reload on a change of the files (file-watch.ts watchFiles, `since` as there), unless the
   * newest reload already read the changed file as it is now (file-reads.ts). Returns a stop function.
   */
  watch(since: ReadonlyMap<string, string | undefined>): () => void;
}

/** The reload of `admin.tls` into the running admin listener `admin`. */
export function createAdminListenerTlsReload(deps: {
  admin: Pick<AdminServer, 'reloadTls' | 'tlsInForce'>;
  metrics: GatewayMetrics;
  log: OperationalLog;
  /** The files `admin.tls` names, for `watch`. */
  files: readonly string[];
}): AdminListenerTlsReload {
  const { admin, metrics, log } = deps;
  // A failed reload keeps the previous material, and the watch skips a file the newest reload
  // read as it is now (change + SIGHUP), as on the Docker listener.
  const adminTlsReads = new FileReads(deps.files);
  const adminTlsRetry = createReloadRetry();
  /** The newest admin reload's CRL file (admin.tls.crl), when it was held back as not valid yet. */
  let adminPendingCrl: PendingCrl | undefined;
  // As on the Docker listener: the newest reload to finish decides whether the files on disk are
  // in force (readiness and dockgate_admin_tls_last_reload_successful). The admin listener
  // numbers its reloads in the same order (each call numbers itself before its first await).
  let reloadsStarted = 0;
  let reloadSettled = 0;
  async function reloadAdminTls(): Promise<void> {
    const seq = ++reloadsStarted;
    adminTlsReads.reading();
    try {
      const { warnings, closedUntrusted, refusedServerCertificate: refused, pendingCrl: heldCrl, crlExpiredClosed: cut, overtaken } = await admin.reloadTls();
      // A newer reload put its material in force first: this one installed nothing to report.
      if (overtaken) return;
      if (seq > reloadSettled) {
        reloadSettled = seq;
        metrics.adminTlsReloaded(refused && !refused.validFrom ? 'failure' : 'success');
        adminPendingCrl = heldCrl;
      }
      // As for the Docker listener: one retry for both, at the earlier date.
      const retryAt = reloadRetryAt(refused?.validFrom, heldCrl?.validFrom);
      if (retryAt) adminTlsRetry.at(retryAt, () => void reloadAdminTls());
      log.info({ listener: 'admin', closedUntrusted }, 'admin TLS material loaded');
      const inForce = admin.tlsInForce();
      // Cause, then effect: the reload, the CRL state it put in force, the connections it cut.
      logCrlLockouts(log, 'admin', inForce, new Date());
      if (cut) logCrlCut(log, 'admin', cut.count, cut.certificates);
      if (inForce) {
        recordAdminTlsExpiry(metrics, inForce);
        logExpiryWarnings(inForce.expiring, log, new Date(), 'admin');
      }
      for (const warning of warnings) log.warn({ event: 'tls-config', listener: 'admin' }, warning);
      if (refused) log[refused.validFrom ? 'warn' : 'error']({ event: 'server-certificate-refused', listener: 'admin' }, refused.message);
      if (heldCrl) log.warn({ event: 'crl-pending', listener: 'admin', validFrom: heldCrl.validFrom.toISOString() }, heldCrl.message);
    } catch (err) {
      if (seq < reloadSettled) {
        log.warn({ listener: 'admin', err: (err as Error).message }, 'admin TLS reload failed, but a newer reload has finished since; nothing changes');
        return;
      }
      reloadSettled = seq;
      adminPendingCrl = undefined;
      metrics.adminTlsReloaded('failure');
      log.error({ listener: 'admin', err: (err as Error).message }, 'admin TLS reload failed; the previous certificates and CRL stay in force');
    }
  }
  return {
    reload: reloadAdminTls,
    pendingCrl: () => adminPendingCrl,
    cancelRetry: () => adminTlsRetry.cancel(),
    watch: (since) => adminTlsReads.watch(() => void reloadAdminTls(), since),
  };
}
