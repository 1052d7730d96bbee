/**
 * The Docker listener's TLS reload: the files named by `tls` read again and put in force, with
 * what may not go into force held back (a CRL not valid yet, a server certificate clients would
 * refuse, a CRL behind one seen before), and the new CRL's revocations applied alone when the
 * rest fails. A failed reload keeps the material in force.
 */
import type { GatewayConfig } from '../config/types.js';
import type { OperationalLog } from '../observe/logger.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import { closeUntrustedConnections } from '../server/ca-trust.js';
import type { GatewayServer } from '../server/gateway-server.js';
import { loadTlsMaterial, type TlsMaterial } from '../server/tls-material.js';
import { readCrlAlone, withRevocationsOf } from './crl-alone.js';
import type { CrlExpiryWatch } from './crl-expiry-cuts.js';
import { rememberCrls, type CrlHistory } from './crl-history.js';
import { pendingCrl, withCrlsOf, type PendingCrl } from './crl-pending.js';
import { crlRollback } from './crl-rollback.js';
import { logExpiryWarnings } from './expiry-warnings.js';
import { FileReads } from './file-reads.js';
import { logCrlLockouts } from './lockout-log.js';
import { closeRevokedNamingCertificates } from './revocation.js';
import { createReloadRetry, outOfDateReplacement, reloadRetryAt, type RefusedServerCertificate } from './server-certificate-dates.js';
import { serverDates, withServerPairOf } from './server-pair.js';
import { recordTlsExpiry } from './tls-expiry-gauges.js';

/** The Docker listener's TLS material in force, and what the newest reload said of the files on disk. */
export interface DockerTlsState {
  /** The material in force. */
  tls: TlsMaterial;
  /** Why the newest TLS reload failed; undefined while the files on disk are in force. */
  reloadError: string | undefined;
  /** With reloadError: the new CRL's revocations were applied all the same (crl-alone.ts). */
  crlAppliedAlone: boolean;
  /** The newest reload's server certificate, when it was refused (server-certificate-dates.ts). */
  refusedCertificate: RefusedServerCertificate | undefined;
  /** The newest reload's CRL file, when it was held back as not valid yet (crl-pending.ts). */
  pendingCrl: PendingCrl | undefined;
  /**
   * Per CA, the newest CRL put in force or held (its revocations applied) since start: no reload
   * goes behind it, whatever the material in force holds (crl-history.ts); a restart forgets it.
   */
  crlHistory: CrlHistory;
}

/** The state of the material loaded at start (TlsMaterial.crls remembered as of `now`). */
export function dockerTlsState(tls: TlsMaterial, now: Date): DockerTlsState {
  return { tls, reloadError: undefined, crlAppliedAlone: false, refusedCertificate: undefined, pendingCrl: undefined, crlHistory: rememberCrls(new Map(), tls.crls, now) };
}

/** A Docker listener's TLS reload: `reload` reads the files again; `cancelRetry` at shutdown. */
export interface DockerTlsReload {
  /** Read the TLS files and put what may go into force in force (never rejects). */
  reload(): Promise<void>;
  /** Cancel the read again set for a date a held file becomes valid. */
  cancelRetry(): void;
  /**
   * Reload on a change of the files (file-watch.ts watchFiles, `since` as there), unless the
   * newest reload already read the changed file as it is now (file-reads.ts). Returns a stop function.
   */
  watch(since: ReadonlyMap<string, string | undefined>): () => void;
}

/** The reload of `config.tls` into `state` and the running `server`. */
export function createDockerTlsReload(deps: {
  config: GatewayConfig;
  state: DockerTlsState;
  server: GatewayServer;
  metrics: GatewayMetrics;
  log: OperationalLog;
  crlExpiry: Pick<CrlExpiryWatch, 'check'>;
  /** The files `config.tls` names, for `watch`. */
  files: readonly string[];
}): DockerTlsReload {
  const { config, state, server, metrics, log, crlExpiry } = deps;
  // What the newest reload read: the watch skips a change it already read (change + SIGHUP).
  const reads = new FileReads(deps.files);
  // Reloads overlap (a key and a certificate change a moment apart; SIGHUP): a slow older
  // read must not replace material a newer reload already installed, or it undoes a rotation.
  // A new server certificate not valid yet is not put in force, and the files are read again when it is.
  const tlsRetry = createReloadRetry();
  let tlsReloadsStarted = 0;
  let tlsReloadInstalled = 0;
  // The newest reload to finish decides whether the files on disk are in force (readiness and
  // dockgate_tls_last_reload_successful): an older read that fails late must not mark good
  // material bad, nor one that succeeds late hide that the newest files were refused.
  let tlsReloadSettled = 0;
  async function reloadTls(): Promise<void> {
    const seq = ++tlsReloadsStarted;
    reads.reading();
    try {
      const loaded = await loadTlsMaterial(config.tls);
      const now = new Date();
      const rollback = crlRollback(state.tls.crls, loaded.crls, now, state.crlHistory);
      if (rollback) throw new Error(`${config.tls.crl ?? 'tls.crl'}: ${rollback}`);
      // A CRL not valid yet would refuse every client of its CA: that CA's CRL in force stays (the
      // other CAs get their new ones), its revocations are checked by the gateway meanwhile, and
      // it is loaded when it becomes valid.
      const heldCrl = pendingCrl(state.tls.crls, loaded.crls, now, config.tls.crl ?? 'tls.crl');
      const withCrl = heldCrl ? withCrlsOf(loaded, state.tls, heldCrl.cas) : loaded;
      // A new server certificate clients would refuse stays out, the rest (CA bundle, CRLs and
      // their revocations) goes into force: a certificate staged ahead must not hold them back.
      const refused = outOfDateReplacement(serverDates(state.tls), serverDates(withCrl), now, config.tls.cert);
      const next = refused ? withServerPairOf(withCrl, state.tls) : withCrl;
      // A newer reload put its material in force first: this one sets nothing, not even a retry
      // (one retry is pending at a time, and this one's would replace the newer one's).
      if (seq < tlsReloadInstalled) return;
      tlsReloadInstalled = seq;
      // One retry for both: the earlier of the two dates (the later one is held again then).
      const retryAt = reloadRetryAt(refused?.validFrom, heldCrl?.validFrom);
      if (retryAt) tlsRetry.at(retryAt, () => void reloadTls());
      server.setTlsMaterial(next);
      const previous = state.tls;
      state.tls = next;
      state.crlHistory = rememberCrls(state.crlHistory, next.crls, now, heldCrl?.crls);
      if (seq > tlsReloadSettled) {
        tlsReloadSettled = seq;
        // Pending (not valid yet): a success, loaded in its time. Expired: the files on disk
        // are not what serves, a failure.
        state.reloadError = undefined;
        state.crlAppliedAlone = false;
        state.refusedCertificate = refused;
        state.pendingCrl = heldCrl;
        metrics.tlsReloaded(refused && !refused.validFrom ? 'failure' : 'success');
      }
      recordTlsExpiry(metrics, next);
      // Whose connections were cut, by certificate (name and serial), for the operator: the
      // audit records of their open exchanges end at the cut, with endedBy "revoked".
      const { closed, closedRevokedCertificates } = closeRevokedNamingCertificates(server.connections(), next);
      const untrusted = closeUntrustedConnections(server.connections(), previous, next, config.tls.partialChain);
      log.info({ closedRevoked: closed, closedRevokedCertificates, closedUntrusted: untrusted, serverSerial: next.serverSerial, revoked: next.revokedSerials.size }, 'TLS material loaded');
      for (const warning of next.warnings) log.warn({ event: 'tls-config' }, warning);
      logCrlLockouts(log, 'docker', next, now);
      crlExpiry.check();
      if (refused) log[refused.validFrom ? 'warn' : 'error']({ event: 'server-certificate-refused' }, refused.message);
      if (heldCrl) log.warn({ event: 'crl-pending', validFrom: heldCrl.validFrom.toISOString() }, heldCrl.message);
      logExpiryWarnings(next.expiring, log, new Date());
    } catch (err) {
      const message = (err as Error).message;
      if (seq < tlsReloadSettled) {
        log.warn({ err: message }, 'TLS reload failed, but a newer reload has finished since; nothing changes');
        return;
      }
      tlsReloadSettled = seq;
      state.reloadError = message;
      state.crlAppliedAlone = false;
      state.refusedCertificate = undefined;
      state.pendingCrl = undefined;
      metrics.tlsReloaded('failure');
      // A valid new CRL's revocations are not held back by another file (rev-reload F2).
      const alone = await crlAlone(seq);
      if (alone) {
        log.error({ err: message }, 'TLS reload failed; the previous certificates stay in force, and so does the previous CRL in the TLS context, but the new CRL\'s revocations are applied by the gateway (crl-revocations-applied)');
        return;
      }
      // Fail closed would mean refusing everyone; instead the old material stays, and the
      // metric, readiness and the alert say that a new CRL's revocations are not in force.
      log.error({ err: message }, 'TLS reload failed; the previous certificates stay in force, and so does the previous CRL: clients a new CRL revokes still get in');
    }
  }

  /**
   * After a failed TLS reload: the CRL file alone, verified against the CAs in force, its
   * revocations added to those the gateway checks (crl-alone.ts), open connections they revoke
   * closed. False when there is none, it fails, goes behind, or a newer reload has settled.
   */
  async function crlAlone(seq: number): Promise<boolean> {
    if (!config.tls.crl) return false;
    const now = new Date();
    let alone;
    try {
      alone = await readCrlAlone(config.tls.crl, state.tls);
      const rollback = crlRollback(state.tls.crls, alone.crls, now, state.crlHistory);
      if (rollback) throw new Error(`${config.tls.crl}: ${rollback}`);
    } catch (err) {
      log.warn({ event: 'crl-revocations-applied', applied: false, err: (err as Error).message }, 'the new CRL could not be applied on its own either');
      return false;
    }
    // The CRLs in force read again: nothing new to apply.
    if (alone.crls.every((c) => state.tls.crls.some((t) => t.tbsHash === c.tbsHash))) return false;
    if (seq < tlsReloadSettled || seq < tlsReloadInstalled) return false;
    const next = withRevocationsOf(state.tls, alone);
    server.setTlsMaterial(next);
    state.tls = next;
    // Remembered as held: no later reload may go behind it.
    state.crlHistory = rememberCrls(state.crlHistory, state.tls.crls, now, alone.crls, 'alone');
    state.crlAppliedAlone = true;
    const { closed, closedRevokedCertificates } = closeRevokedNamingCertificates(server.connections(), next);
    log.warn({ event: 'crl-revocations-applied', applied: true, file: config.tls.crl, closedRevoked: closed, closedRevokedCertificates, revoked: next.revokedSerials.size },
      'the new CRL\'s revocations are applied by the gateway (checked at the end of every handshake; open connections it revokes closed) although the rest of the TLS reload failed; the TLS context keeps the previous CRL until the reload succeeds');
    return true;
  }

  return { reload: reloadTls, cancelRetry: () => tlsRetry.cancel(), watch: (since) => reads.watch(() => void reloadTls(), since) };
}
