/**
 * Composition root: builds every stage from a validated config, starts the Docker API listener
 * and the admin listener, and owns reloads (policy, TLS material), audit reopen and shutdown.
 */
import { Registry } from 'prom-client';
import { startAdminServer } from '../admin/admin-server.js';
import type { AdminTlsMaterial } from '../admin/admin-tls.js';
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
import { effectiveGroups } from '../policy/compile.js';
import { createDaemonClient, lookupAnswerCap } from '../tenancy/daemon-client.js';
import { createDaemonApiRange } from './daemon-api-range.js';
import { createTenancy } from '../tenancy/tenancy.js';
import type { TlsMaterial } from '../server/tls-material.js';
import { certificatesCheck, NO_CRL, startExpiryWarnings, type CertificateState } from './expiry-warnings.js';
import { crlLockouts, lockoutCounts } from './crl-lockouts.js';
import { adminLockoutCounts } from './crl-admin-lines.js';
import { logCrlCut } from './crl-cut-log.js';
import { watchCrlExpiry } from './crl-expiry-cuts.js';
import { fileStates, settleWaitMessage, watchFiles, whenSettled } from './file-watch.js';
import { logPolicyWarnings } from './policy-gatekeeper.js';
import { loadStartMaterial, tlsFilesOf } from './start-material.js';
import { PolicyLoads } from './policy-loads.js';
import { createPolicyReload } from './policy-reload.js';
import { configChangeWarning } from './config-change.js';
import { createDockerTlsReload, dockerTlsState } from './docker-tls-reload.js';
import { createAdminListenerTlsReload } from './admin-tls-reload.js';
import type { PendingCrl } from './crl-pending.js';
import { logCrlLockouts } from './lockout-log.js';
import { recordAdminTlsExpiry, recordTlsExpiry } from './tls-expiry-gauges.js';
import { VERSION } from './version.js';
import { LISTENER_NAMES, listenerError } from './listen-failure.js';

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
  const { docker: tlsFiles, admin: adminTlsFiles } = tlsFilesOf(config);
  const loadedStates = fileStates([...tlsFiles, ...adminTlsFiles, ...(config.policy ? [config.policy] : [])]);
  const { tls: firstTls, gatekeeper: firstGatekeeper, adminTls: adminTlsMaterial } = await loadStartMaterial(config, metrics, problems).catch(async (err: unknown) => {
    await audit.close();
    throw err;
  });
  const dockerTls = dockerTlsState(firstTls, new Date());
  const tls = (): TlsMaterial => dockerTls.tls;
  let gatekeeper = firstGatekeeper;
  metrics.policyReloaded('success', gatekeeper.version);
  logPolicyWarnings(log, gatekeeper);
  /** The newest admin TLS reload's CRL file held back as not valid yet (none until that listener runs). */
  let adminPendingCrl = (): PendingCrl | undefined => undefined;
  metrics.tlsReloaded('success');
  recordTlsExpiry(metrics, tls());
  metrics.watchCrlLockouts(() => lockoutCounts(crlLockouts(tls().casWithoutCrl, tls().crls, new Date())));
  for (const warning of tls().warnings) log.warn({ event: 'tls-config' }, warning);
  logCrlLockouts(log, 'docker', tls(), new Date());
  if (config.tls.crl === undefined) log.warn({ event: 'tls-config' }, NO_CRL);

  const target = createUpstreamTarget(config.upstream);
  // The daemon's API versions: a version prefix outside them is answered as dockerd answers it.
  const apiRange = createDaemonApiRange(createDaemonClient(target, 5_000), target.name, (err) => log.warn({ event: 'daemon-api-range', error: err.message }, 'could not read the daemon\'s API versions (GET /version): read again at the next request with a version prefix; while none has been read, such requests are refused 502 (api-version-unknown) unless no connection to the daemon can be made, and once one has, the last one read decides'));
  // Tenancy follows the policy's `tenancy:` section, so a reload turns it on or off. Each request
  // carries the section and groups of the policy that decided it (Gatekeeper.tenancy); these two
  // are read only for a request without them.
  const tenancy = createTenancy({ daemon: createDaemonClient(target, undefined, lookupAnswerCap(process.env), (code) => apiRange.notReached(code)), spec: () => gatekeeper.policy.tenancy, groups: (id) => effectiveGroups(gatekeeper.policy, id), log });
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
        { serverNotBefore: tls().serverNotBefore, serverNotAfter: tls().serverNotAfter, crls: tls().crls, reloadError: dockerTls.reloadError, crlAppliedAlone: dockerTls.crlAppliedAlone, refusedServerCertificate: dockerTls.refusedCertificate, pendingCrl: dockerTls.pendingCrl, adminPendingCrl: adminPendingCrl(), casWithoutCrl: tls().casWithoutCrl, admin: adminCertificateState() },
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
        crlExpiredClosed: (count, certificates) => logCrlCut(log, 'admin', count, certificates),
      }).catch(async (err: unknown) => {
        await audit.close();
        throw listenerError(LISTENER_NAMES['admin.listen'], 'admin.listen', err);
      })
    : undefined;
  for (const warning of admin?.tlsWarnings ?? []) log.warn({ event: 'tls-config', listener: 'admin' }, warning);
  if (admin) adminTlsNow = () => admin.tlsInForce();
  const adminInForce = admin?.tlsInForce();
  if (adminInForce) recordAdminTlsExpiry(metrics, adminInForce);
  metrics.watchAdminCrlLockouts(() => adminLockoutCounts(adminTlsNow(), new Date()));
  logCrlLockouts(log, 'admin', adminInForce, new Date());
  if (admin && config.admin.tls?.ca === undefined && !admin.loopback) {
    // Metrics name identities and operations, and anyone who reaches the port reads them. The
    // bound address decides, as for the Host check (a host name may resolve to 127.0.1.1).
    log.warn({ event: 'admin-open', listen: `${config.admin.listen.host}:${config.admin.listen.port}` }, 'the admin listener asks for no client certificate on a non-loopback address: anyone who reaches it reads the metrics (identities, operations); set admin.tls with a ca, or bind it to 127.0.0.1');
  }
  // A failed first read is logged as the later ones are (the requests with a prefix read it again).
  apiRange.get().catch((err: unknown) => log.warn({ event: 'daemon-api-range', error: err instanceof Error ? err.message : String(err) }, 'could not read the daemon\'s API versions (GET /version) at start: read again at the next request with a version prefix'));
  const server = await startGatewayServer({ config, tls: tls(), target, gatekeeper: () => gatekeeper, observer, tenancy, apiRange }).catch(async (err: unknown) => {
    await admin?.close();
    await audit.close();
    throw listenerError(LISTENER_NAMES.listen, 'listen', err);
  });
  listening = () => server.server.listening;
  // Past a CRL's nextUpdate its CA's new handshakes are refused, and its open connections closed.
  const crlExpiry = watchCrlExpiry({
    material: tls,
    connections: () => server.connections(),
    closed: (count, certificates) => logCrlCut(log, 'docker', count, certificates),
  });
  crlExpiry.check();
  const stopMonitor = startUpstreamMonitor({ upstream: config.upstream, intervalMs: 15_000, timeoutMs: 2_000, metrics, log, answered: (version, cameBack) => apiRange.daemonAnswered(version, cameBack), unanswered: (code) => apiRange.notReached(code) });

  const policyLoads = new PolicyLoads();
  const reloadPolicy = createPolicyReload({ file: config.policy, policyLoads, install: (next) => { gatekeeper = next; }, metrics, log });
  const dockerTlsReload = createDockerTlsReload({ config, state: dockerTls, server, metrics, log, crlExpiry, files: tlsFiles });
  const stopWatchTls = dockerTlsReload.watch(loadedStates);

  // The admin listener's own files, reloaded as the Docker listener's are.
  const adminTlsReload = admin && config.admin.tls ? createAdminListenerTlsReload({ admin, metrics, log, files: adminTlsFiles }) : undefined;
  if (adminTlsReload) adminPendingCrl = () => adminTlsReload.pendingCrl();
  const stopWatchAdminTls = adminTlsReload?.watch(loadedStates) ?? (() => {});
  const stopExpiry = startExpiryWarnings({ items: () => tls().expiring, log });
  // The admin listener's own files, at start and daily, with listener: "admin" (rev-observe F1).
  const stopAdminExpiry = admin?.tlsInForce() ? startExpiryWarnings({ items: () => admin.tlsInForce()?.expiring ?? [], log, listener: 'admin' }) : () => {};
  const stopWatchPolicy = config.policy ? watchFiles([config.policy], (_file, settled) => reloadPolicy(-1, settled), undefined, loadedStates) : () => {};
  /** Cancels a SIGHUP's policy read still waiting for the file to settle. */
  let cancelSighupPolicy = (): void => {};

  return {
    server,
    adminAddress: admin?.address,
    metrics,
    crls: () => tls().crls,
    reload() {
      // As the watch does: a file written in place within the last 2 s is read once it has
      // stopped changing for 2 s (for as long as it keeps changing), and the bytes found settled
      // are what is loaded; the wait is said once.
      const configChange = configChangeWarning(config);
      if (configChange) log.warn({ event: 'config-not-reloaded', file: config.source }, configChange);
      cancelSighupPolicy();
      const file = config.policy;
      const mark = policyLoads.mark();
      cancelSighupPolicy = file ? whenSettled(file, (settled) => reloadPolicy(mark, settled), { waiting: (w) => log.info({ event: 'policy-settle-wait', file, ageMs: Math.round(w.ageMs) }, settleWaitMessage(w)) }) : (reloadPolicy(), () => {});
      void dockerTlsReload.reload();
      void adminTlsReload?.reload();
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
      dockerTlsReload.cancelRetry();
      adminTlsReload?.cancelRetry();
      if (unreported > 0) log.error({ unreported }, 'shutdown: exchanges still open did not report; their audit records are lost');
      await admin?.close();
      const lost = await audit.close();
      return { auditRecordsLost: unreported + lost.records };
    },
  };
}
