/**
 * Composition root: builds every stage from a validated config, starts the Docker API listener
 * and the admin listener, and owns reloads (policy, TLS material), audit reopen and shutdown.
 */
import { Registry } from 'prom-client';
import { startAdminServer } from '../admin/admin-server.js';
import { loadAdminTls, type AdminTlsMaterial } from '../admin/admin-tls.js';
import type { GatewayConfig } from '../config/types.js';
import type { AuditLog } from '../observe/audit-log-types.js';
import { createAuditLog } from '../observe/audit-log.js';
import type { OperationalLog } from '../observe/logger.js';
import { createMetrics, type GatewayMetrics } from '../observe/metrics.js';
import { createObserver } from '../observe/observer.js';
import { auditCheck, createReadiness, startUpstreamMonitor } from '../observe/readiness.js';
import { createUpstreamTarget } from '../proxy/upstream-target.js';
import type { CrlInfo } from '../server/crl.js';
import { startGatewayServer, type GatewayServer } from '../server/gateway-server.js';
import { effectiveGroups, loadPolicy } from '../policy/compile.js';
import { readPolicyText } from '../policy/load-file.js';
import { createDaemonClient, lookupAnswerCap } from '../tenancy/daemon-client.js';
import { createDaemonApiRange } from './daemon-api-range.js';
import { createTenancy } from '../tenancy/tenancy.js';
import { loadTlsMaterial, tlsProblems, type TlsMaterial } from '../server/tls-material.js';
import { certificatesCheck, logExpiryWarnings, NO_CRL, startExpiryWarnings, type CertificateState } from './expiry-warnings.js';
import { closeUntrustedConnections } from '../server/ca-trust.js';
import { rememberCrls, type CrlHistory } from './crl-history.js';
import { crlRollback } from './crl-rollback.js';
import { crlLockouts, lockoutCounts, lockoutMessage } from './crl-lockouts.js';
import { watchCrlExpiry } from './crl-expiry-cuts.js';
import { readCrlAlone, withRevocationsOf } from './crl-alone.js';
import { pendingCrl, withCrlsOf, type PendingCrl } from './crl-pending.js';
import { fileStates, settleWaitMessage, watchFiles, whenSettled } from './file-watch.js';
import { gatekeeperFor, loadGatekeeper, logPolicyWarnings, type VersionedGatekeeper } from './policy-gatekeeper.js';
import { PolicyLoads } from './policy-loads.js';
import { configChangeWarning } from './config-change.js';
import { closeRevokedConnections } from './revocation.js';
import { createReloadRetry, outOfDateReplacement, reloadRetryAt, type RefusedServerCertificate, type ServerCertificateDates } from './server-certificate-dates.js';
import { VERSION } from './version.js';

/** A running gateway. */
export interface RunningGateway {
  server: GatewayServer;
  /** Admin listener address, when enabled. */
  adminAddress?: { host: string; port: number };
  metrics: GatewayMetrics;
  /** The CRLs of the TLS material in force now (TlsMaterial.crls; replaced by each TLS reload). */
  crls(): readonly CrlInfo[];
  /** Re-read the policy and TLS files; invalid ones keep the old material in force. */
  reload(): void;
  /** Reopen the audit file (logrotate). */
  reopenAudit(): void;
  /**
   * Graceful stop. Resolves with the audit records lost on the way (exchanges that never
   * reported, records the audit destination refused); each loss is also on the operational log.
   */
  stop(): Promise<{ auditRecordsLost: number }>;
}

function recordTlsExpiry(metrics: GatewayMetrics, tls: TlsMaterial): void {
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
function recordAdminTlsExpiry(metrics: GatewayMetrics, admin: AdminTlsMaterial): void {
  metrics.setCertificateExpiry('admin-server', 'server', admin.server.notAfter);
  metrics.replaceCertificateExpiry('admin-ca', admin.caNotAfter.map((d, i) => ({ name: i === 0 ? 'ca' : `ca-${i}`, notAfter: d })));
  metrics.replaceCertificateExpiry('admin-crl', admin.crls.flatMap((c, i) => (c.nextUpdate ? [{ name: i === 0 ? 'crl' : `crl-${i}`, notAfter: c.nextUpdate }] : [])));
}

/**
 * The TLS material (of either listener), the policy or the audit file a config names cannot be
 * used: a configuration error (the CLI exits 2), with every problem found, not only the first.
 */
export class StartMaterialError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'StartMaterialError';
  }
}

/** A listener's start-up error, saying which listener (and config key) it was. */
function listenerError(which: string, err: unknown): Error {
  return new Error(`${which}: ${(err as Error).message}`, { cause: err });
}

/**
 * Start the gateway described by `config`. Throws StartMaterialError when the TLS material,
 * the policy or the audit file is unusable. Everything the config names is read and checked
 * before anything listens, and the admin listener binds before the Docker API listener: when
 * start-up fails, nothing has served a request, and whatever was started is closed again.
 */
export async function startGateway(config: GatewayConfig, log: OperationalLog): Promise<RunningGateway> {
  const registry = new Registry();
  const metrics = createMetrics(registry, { identityLabel: config.metrics.identityLabel, version: VERSION });
  // All of these are loaded before any is refused, so a start-up error names every problem.
  const problems: string[] = [];
  const audit: AuditLog = createAuditLog({
    file: config.audit.file,
    onError: (err) => log.error({ err: err.message }, 'audit log write failed'),
    onReopened: (why) => log.warn({ event: 'audit-reopened', file: config.audit.file, why }, 'audit file reopened: its path no longer named the open file'),
  });
  metrics.watchAudit(() => audit.health());
  // Fail closed at boot: a gateway whose audit file cannot be opened would serve with no record.
  try {
    await audit.ready;
  } catch (err) {
    problems.push(`audit.file: cannot open the audit log ${config.audit.file ?? '(stdout)'}: ${(err as Error).message}`);
  }
  const observer = createObserver({ metrics, audit, log });

  // The watched files as they are before they are loaded: one changed before its watch starts
  // is reloaded then (file-watch.ts, fileStates).
  const tlsFiles = [config.tls.ca, config.tls.cert, config.tls.key, ...(config.tls.crl ? [config.tls.crl] : [])];
  const adminTls = config.admin.enabled ? config.admin.tls : undefined;
  const adminTlsFiles = adminTls ? [adminTls.cert, adminTls.key, ...(adminTls.ca ? [adminTls.ca] : []), ...(adminTls.crl ? [adminTls.crl] : [])] : [];
  const loadedStates = fileStates([...tlsFiles, ...adminTlsFiles, ...(config.policy ? [config.policy] : [])]);
  let firstTls: TlsMaterial | undefined;
  try {
    firstTls = await loadTlsMaterial(config.tls);
  } catch (err) {
    problems.push(...tlsProblems(err).map((p) => `TLS material: ${p}`));
  }
  let firstGatekeeper: VersionedGatekeeper | undefined;
  try {
    firstGatekeeper = loadGatekeeper(config.policy);
  } catch (err) {
    metrics.policyReloaded('failure');
    problems.push((err as Error).message);
  }
  let adminTlsMaterial: AdminTlsMaterial | undefined;
  if (config.admin.enabled && config.admin.tls) {
    try {
      adminTlsMaterial = await loadAdminTls(config.admin.tls);
    } catch (err) {
      problems.push(...tlsProblems(err).map((p) => `admin TLS material: ${p}`));
    }
  }
  if (problems.length > 0 || !firstTls || !firstGatekeeper) {
    await audit.close();
    throw new StartMaterialError(problems);
  }
  let tls = firstTls;
  let gatekeeper = firstGatekeeper;
  metrics.policyReloaded('success', gatekeeper.version);
  logPolicyWarnings(log, gatekeeper);
  /** Why the newest TLS reload failed; undefined while the files on disk are in force. */
  let tlsReloadError: string | undefined;
  /** With tlsReloadError: the new CRL's revocations were applied all the same (crl-alone.ts). */
  let tlsCrlAppliedAlone = false;
  /** The newest reload's server certificate, when it was refused (server-certificate-dates.ts). */
  let tlsRefusedCertificate: RefusedServerCertificate | undefined;
  /** The newest reload's CRL file, when it was held back as not valid yet (crl-pending.ts). */
  let tlsPendingCrl: PendingCrl | undefined;
  /** The newest admin reload's CRL file (admin.tls.crl), when it was held back as not valid yet. */
  let adminPendingCrl: PendingCrl | undefined;
  // Per CA, the newest CRL put in force or held (its revocations applied) since start: no reload
  // goes behind it, whatever the material in force holds (crl-history.ts); a restart forgets it.
  let crlHistory: CrlHistory = rememberCrls(new Map(), tls.crls, new Date());
  metrics.tlsReloaded('success');
  recordTlsExpiry(metrics, tls);
  metrics.watchCrlLockouts(() => lockoutCounts(crlLockouts(tls.casWithoutCrl, tls.crls, new Date())));
  for (const warning of tls.warnings) log.warn({ event: 'tls-config' }, warning);
  logCrlLockouts(log, tls, new Date());
  if (config.tls.crl === undefined) log.warn({ event: 'tls-config' }, NO_CRL);

  const target = createUpstreamTarget(config.upstream);
  // Tenancy follows the policy's `tenancy:` section, so a reload turns it on or off. Each request
  // carries the section and groups of the policy that decided it (Gatekeeper.tenancy); these two
  // are read only for a request without them.
  const tenancy = createTenancy({ daemon: createDaemonClient(target, undefined, lookupAnswerCap(process.env)), spec: () => gatekeeper.policy.tenancy, groups: (id) => effectiveGroups(gatekeeper.policy, id), log });
  /** Whether the Docker API listener listens; false until it is started below. */
  let listening = (): boolean => false;
  /** The admin listener's `admin.tls` material in force (the one loaded at start until the listener runs). */
  let adminTlsNow = (): AdminTlsMaterial | undefined => adminTlsMaterial;
  const adminCertificateState = (): CertificateState['admin'] => {
    const m = adminTlsNow();
    return m ? { serverNotBefore: m.server.notBefore, serverNotAfter: m.server.notAfter, crls: m.crls } : undefined;
  };
  const readiness = createReadiness({
    upstream: config.upstream,
    timeoutMs: 2_000,
    metrics,
    checks: () => ({
      listener: { ok: listening() },
      certificates: certificatesCheck(
        { serverNotBefore: tls.serverNotBefore, serverNotAfter: tls.serverNotAfter, crls: tls.crls, reloadError: tlsReloadError, crlAppliedAlone: tlsCrlAppliedAlone, refusedServerCertificate: tlsRefusedCertificate, pendingCrl: tlsPendingCrl, adminPendingCrl, casWithoutCrl: tls.casWithoutCrl, admin: adminCertificateState() },
        new Date(),
      ),
      policy: { ok: true, detail: `version ${gatekeeper.version}` },
      audit: auditCheck(audit.health(), Date.now()),
    }),
  });
  // The admin listener binds first: should that fail (its port in use), the Docker API listener
  // has not accepted a single connection. Should the Docker listener fail, the admin one closes.
  const admin = config.admin.enabled
    ? await startAdminServer({ config: config.admin, registry, readiness, tlsMaterial: adminTlsMaterial, limits: config.limits,
        handshakes: observer.adminHandshakes,
        revokedClosed: (certificate) => log.warn({ event: 'revoked-connection-closed', listener: 'admin', certificate }, 'an open admin connection was closed at its request: a reloaded admin.tls.crl revokes its certificate'),
        expiredClosed: (certificate, notAfter) => log.info({ event: 'expired-connection-closed', listener: 'admin', expired: 'client', notAfter, certificate }, 'an open admin connection was closed: its client certificate expired'),
        crlExpiredClosed: (count, certificates) => log.warn({ event: 'crl-expired-connections-closed', listener: 'admin', closed: count, certificates }, 'open admin connections were closed: the CRL in force (admin.tls.crl) of a CA of their chain has expired (CRL_HAS_EXPIRED), and it may lack revocations made since; install a CRL valid now ("dockgate certs crl")'),
      }).catch(async (err: unknown) => {
        await audit.close();
        throw listenerError('admin listener (admin)', err);
      })
    : undefined;
  for (const warning of admin?.tlsWarnings ?? []) log.warn({ event: 'tls-config', listener: 'admin' }, warning);
  if (admin) adminTlsNow = () => admin.tlsInForce();
  const adminInForce = admin?.tlsInForce();
  if (adminInForce) recordAdminTlsExpiry(metrics, adminInForce);
  if (admin && config.admin.tls?.ca === undefined && !admin.loopback) {
    // Metrics name identities and operations, and anyone who reaches the port reads them. The
    // bound address decides, as for the Host check (a host name may resolve to 127.0.1.1).
    log.warn({ event: 'admin-open', listen: `${config.admin.listen.host}:${config.admin.listen.port}` }, 'the admin listener asks for no client certificate on a non-loopback address: anyone who reaches it reads the metrics (identities, operations); set admin.tls with a ca, or bind it to 127.0.0.1');
  }
  // The daemon's API versions: a version prefix outside them is answered as dockerd answers it.
  const apiRange = createDaemonApiRange(createDaemonClient(target, 5_000), (err) => log.warn({ event: 'daemon-api-range', error: err.message }, 'could not read the daemon\'s API versions (GET /version): read again at the next request with a version prefix; until it is read, such requests are refused 502 (api-version-unknown) unless no connection to the daemon can be made'));
  // A failed first read is logged as the later ones are (the requests with a prefix read it again).
  apiRange.get().catch((err: unknown) => log.warn({ event: 'daemon-api-range', error: err instanceof Error ? err.message : String(err) }, 'could not read the daemon\'s API versions (GET /version) at start: read again at the next request with a version prefix'));
  const server = await startGatewayServer({ config, tls, target, gatekeeper: () => gatekeeper, observer, tenancy, apiRange }).catch(async (err: unknown) => {
    await admin?.close();
    await audit.close();
    throw listenerError('Docker API listener (listen)', err);
  });
  listening = () => server.server.listening;
  // Past a CRL's nextUpdate its CA's new handshakes are refused, and its open connections closed.
  const crlExpiry = watchCrlExpiry({
    material: () => tls,
    connections: () => server.connections(),
    closed: (count, certificates) => log.warn({ event: 'crl-expired-connections-closed', closed: count, certificates }, 'open connections were closed: the CRL in force of a CA of their chain has expired (CRL_HAS_EXPIRED), and it may lack revocations made since; install a CRL valid now ("dockgate certs crl")'),
  });
  crlExpiry.check();
  const stopMonitor = startUpstreamMonitor({ upstream: config.upstream, intervalMs: 15_000, timeoutMs: 2_000, metrics, log, answered: (version, cameBack) => apiRange.daemonAnswered(version, cameBack) });

  const policyLoads = new PolicyLoads();
  /**
   * Load the policy file and put it in force. With a `mark` (policy-loads.ts), the same bytes
   * already tried since the mark are not loaded again: a change and a SIGHUP are one load.
   */
  function reloadPolicy(mark?: number): void {
    try {
      const file = config.policy;
      let next: VersionedGatekeeper;
      if (file === undefined || mark === undefined) next = loadGatekeeper(file);
      else {
        let text: string;
        try {
          text = readPolicyText(file);
        } catch (err) {
          policyLoads.tried(undefined);
          throw err;
        }
        if (policyLoads.alreadyTried(text, mark)) return;
        policyLoads.tried(text);
        next = gatekeeperFor(loadPolicy(text, file));
      }
      gatekeeper = next;
      metrics.policyReloaded('success', next.version);
      log.info({ version: next.version, file: config.policy ?? '(built-in default)' }, 'policy loaded');
      logPolicyWarnings(log, next);
    } catch (err) {
      metrics.policyReloaded('failure');
      log.error({ err: (err as Error).message }, 'policy reload failed; the previous policy stays in force');
    }
  }

  // Reloads overlap (a key and a certificate change a moment apart; SIGHUP): a slow older
  // read must not replace material a newer reload already installed, or it undoes a rotation.
  // A new server certificate not valid yet is not put in force, and the files are read again when it is.
  const tlsRetry = createReloadRetry();
  const adminTlsRetry = createReloadRetry();
  let tlsReloadsStarted = 0;
  let tlsReloadInstalled = 0;
  // The newest reload to finish decides whether the files on disk are in force (readiness and
  // dockgate_tls_last_reload_successful): an older read that fails late must not mark good
  // material bad, nor one that succeeds late hide that the newest files were refused.
  let tlsReloadSettled = 0;
  async function reloadTls(): Promise<void> {
    const seq = ++tlsReloadsStarted;
    try {
      const loaded = await loadTlsMaterial(config.tls);
      const now = new Date();
      const rollback = crlRollback(tls.crls, loaded.crls, now, crlHistory);
      if (rollback) throw new Error(`${config.tls.crl ?? 'tls.crl'}: ${rollback}`);
      // A CRL not valid yet would refuse every client of its CA: that CA's CRL in force stays (the
      // other CAs get their new ones), its revocations are checked by the gateway meanwhile, and
      // it is loaded when it becomes valid.
      const heldCrl = pendingCrl(tls.crls, loaded.crls, now, config.tls.crl ?? 'tls.crl');
      const withCrl = heldCrl ? withCrlsOf(loaded, tls, heldCrl.cas) : loaded;
      // A new server certificate clients would refuse stays out, the rest (CA bundle, CRLs and
      // their revocations) goes into force: a certificate staged ahead must not hold them back.
      const refused = outOfDateReplacement(serverDates(tls), serverDates(withCrl), now, config.tls.cert);
      const next = refused ? withServerPairOf(withCrl, tls) : withCrl;
      // One retry for both: the earlier of the two dates (the later one is held again then).
      const retryAt = reloadRetryAt(refused?.validFrom, heldCrl?.validFrom);
      if (retryAt) tlsRetry.at(retryAt, () => void reloadTls());
      if (seq < tlsReloadInstalled) return;
      tlsReloadInstalled = seq;
      server.setTlsMaterial(next);
      const previous = tls;
      tls = next;
      crlHistory = rememberCrls(crlHistory, next.crls, now, heldCrl?.crls);
      if (seq > tlsReloadSettled) {
        tlsReloadSettled = seq;
        // Pending (not valid yet): a success, loaded in its time. Expired: the files on disk
        // are not what serves, a failure.
        tlsReloadError = undefined;
        tlsCrlAppliedAlone = false;
        tlsRefusedCertificate = refused;
        tlsPendingCrl = heldCrl;
        metrics.tlsReloaded(refused && !refused.validFrom ? 'failure' : 'success');
      }
      recordTlsExpiry(metrics, next);
      // Whose connections were cut, by certificate (name and serial), for the operator: the
      // audit records of their open exchanges end at the cut, with endedBy "revoked".
      const cut = new Map<string, number>();
      const closed = closeRevokedConnections(server.connections(), next, (identity) => {
        const key = identity ? `${identity.name} (serial ${identity.serial})` : '(no identity)';
        cut.set(key, (cut.get(key) ?? 0) + 1);
      });
      const untrusted = closeUntrustedConnections(server.connections(), previous, next, config.tls.partialChain);
      const closedRevokedCertificates = cut.size === 0 ? undefined : [...cut].slice(0, 50).map(([who, n]) => `${who}: ${n}`);
      log.info({ closedRevoked: closed, closedRevokedCertificates, closedUntrusted: untrusted, serverSerial: next.serverSerial, revoked: next.revokedSerials.size }, 'TLS material loaded');
      for (const warning of next.warnings) log.warn({ event: 'tls-config' }, warning);
      logCrlLockouts(log, next, now);
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
      tlsReloadError = message;
      tlsCrlAppliedAlone = false;
      tlsRefusedCertificate = undefined;
      tlsPendingCrl = undefined;
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
      alone = await readCrlAlone(config.tls.crl, tls);
      const rollback = crlRollback(tls.crls, alone.crls, now, crlHistory);
      if (rollback) throw new Error(`${config.tls.crl}: ${rollback}`);
    } catch (err) {
      log.warn({ event: 'crl-revocations-applied', applied: false, err: (err as Error).message }, 'the new CRL could not be applied on its own either');
      return false;
    }
    // The CRLs in force read again: nothing new to apply.
    if (alone.crls.every((c) => tls.crls.some((t) => t.tbsHash === c.tbsHash))) return false;
    if (seq < tlsReloadSettled || seq < tlsReloadInstalled) return false;
    const next = withRevocationsOf(tls, alone);
    server.setTlsMaterial(next);
    tls = next;
    // Remembered as held: no later reload may go behind it.
    crlHistory = rememberCrls(crlHistory, tls.crls, now, alone.crls, 'alone');
    tlsCrlAppliedAlone = true;
    const cut = new Map<string, number>();
    const closed = closeRevokedConnections(server.connections(), next, (identity) => {
      const key = identity ? `${identity.name} (serial ${identity.serial})` : '(no identity)';
      cut.set(key, (cut.get(key) ?? 0) + 1);
    });
    const closedRevokedCertificates = cut.size === 0 ? undefined : [...cut].slice(0, 50).map(([who, n]) => `${who}: ${n}`);
    log.warn({ event: 'crl-revocations-applied', applied: true, file: config.tls.crl, closedRevoked: closed, closedRevokedCertificates, revoked: next.revokedSerials.size },
      'the new CRL\'s revocations are applied by the gateway (checked at the end of every handshake; open connections it revokes closed) although the rest of the TLS reload failed; the TLS context keeps the previous CRL until the reload succeeds');
    return true;
  }

  const stopWatchTls = watchFiles(tlsFiles, () => void reloadTls(), undefined, loadedStates);

  // The admin listener's own files: a failed reload keeps the previous material, as above.
  async function reloadAdminTls(): Promise<void> {
    if (!admin || !config.admin.tls) return;
    try {
      const { warnings, closedUntrusted, refusedServerCertificate: refused, pendingCrl: heldCrl } = await admin.reloadTls();
      metrics.adminTlsReloaded(refused && !refused.validFrom ? 'failure' : 'success');
      adminPendingCrl = heldCrl;
      // As for the Docker listener: one retry for both, at the earlier date.
      const retryAt = reloadRetryAt(refused?.validFrom, heldCrl?.validFrom);
      if (retryAt) adminTlsRetry.at(retryAt, () => void reloadAdminTls());
      log.info({ listener: 'admin', closedUntrusted }, 'admin TLS material loaded');
      const inForce = admin.tlsInForce();
      if (inForce) {
        recordAdminTlsExpiry(metrics, inForce);
        logExpiryWarnings(inForce.expiring, log, new Date(), 'admin');
      }
      for (const warning of warnings) log.warn({ event: 'tls-config', listener: 'admin' }, warning);
      if (refused) log[refused.validFrom ? 'warn' : 'error']({ event: 'server-certificate-refused', listener: 'admin' }, refused.message);
      if (heldCrl) log.warn({ event: 'crl-pending', listener: 'admin', validFrom: heldCrl.validFrom.toISOString() }, heldCrl.message);
    } catch (err) {
      adminPendingCrl = undefined;
      metrics.adminTlsReloaded('failure');
      log.error({ listener: 'admin', err: (err as Error).message }, 'admin TLS reload failed; the previous certificates and CRL stay in force');
    }
  }
  const stopWatchAdminTls = watchFiles(adminTlsFiles, () => void reloadAdminTls(), undefined, loadedStates);
  const stopExpiry = startExpiryWarnings({ items: () => tls.expiring, log });
  // The admin listener's own files, at start and daily, with listener: "admin" (rev-observe F1).
  const stopAdminExpiry = admin?.tlsInForce() ? startExpiryWarnings({ items: () => admin.tlsInForce()?.expiring ?? [], log, listener: 'admin' }) : () => {};
  const stopWatchPolicy = config.policy ? watchFiles([config.policy], () => reloadPolicy(-1), undefined, loadedStates) : () => {};
  /** Cancels a SIGHUP's policy read still waiting for the file to settle. */
  let cancelSighupPolicy = (): void => {};

  return {
    server,
    adminAddress: admin?.address,
    metrics,
    crls: () => tls.crls,
    reload() {
      // As the watch does: a file written in place within the last 2 s is read once it has
      // stopped changing for 2 s (for as long as it keeps changing); the wait is said once.
      const configChange = configChangeWarning(config);
      if (configChange) log.warn({ event: 'config-not-reloaded', file: config.source }, configChange);
      cancelSighupPolicy();
      const file = config.policy;
      const mark = policyLoads.mark();
      cancelSighupPolicy = file ? whenSettled(file, () => reloadPolicy(mark), { waiting: (w) => log.info({ event: 'policy-settle-wait', file, ageMs: Math.round(w.ageMs) }, settleWaitMessage(w)) }) : (reloadPolicy(), () => {});
      void reloadTls();
      void reloadAdminTls();
    },
    reopenAudit() {
      audit.reopen();
    },
    async stop() {
      stopExpiry();
      stopAdminExpiry();
      stopWatchPolicy();
      cancelSighupPolicy();
      stopMonitor();
      // Every exchange cut off by the shutdown reports first: its record is in before the close.
      // The TLS files stay watched while the open ones drain: a certificate revoked meanwhile
      // has its streams and sessions closed then, not at the end of the grace period.
      const { unreported } = await server.shutdown(config.limits.shutdownGraceMs);
      stopWatchTls();
      stopWatchAdminTls();
      crlExpiry.stop();
      tlsRetry.cancel();
      adminTlsRetry.cancel();
      if (unreported > 0) log.error({ unreported }, 'shutdown: exchanges still open did not report; their audit records are lost');
      await admin?.close();
      const lost = await audit.close();
      return { auditRecordsLost: unreported + lost.records };
    },
  };
}

/**
 * A CRL in force that has expired or is not valid yet refuses every client of its CA (a reload
 * put it in force: fail closed, as the older CRL may lack revocations): one line per CA naming it
 * and the date (`event: "crl-lockout"`). A CA without a CRL is the `tls-config` warning's.
 */
function logCrlLockouts(log: OperationalLog, tls: TlsMaterial, now: Date): void {
  for (const l of crlLockouts([], tls.crls, now)) {
    log.error({ event: 'crl-lockout', reason: l.reason, ca: l.ca, caFingerprint: l.caFingerprint, at: l.at?.toISOString() }, lockoutMessage(l));
  }
}

/** The Docker listener's server certificate, as a reload compares it. */
function serverDates(tls: TlsMaterial): ServerCertificateDates {
  return { fingerprint: tls.serverFingerprint, serial: tls.serverSerial, notBefore: tls.serverNotBefore, notAfter: tls.serverNotAfter };
}

/** `loaded` with the server certificate and key of `current`, which serves on. */
function withServerPairOf(loaded: TlsMaterial, current: TlsMaterial): TlsMaterial {
  return {
    ...loaded,
    options: { ...loaded.options, cert: current.options.cert, key: current.options.key },
    serverNotAfter: current.serverNotAfter,
    serverNotBefore: current.serverNotBefore,
    serverFingerprint: current.serverFingerprint,
    serverSerial: current.serverSerial,
    expiring: [...current.expiring.filter((e) => e.kind === 'server certificate'), ...loaded.expiring.filter((e) => e.kind !== 'server certificate')],
  };
}
