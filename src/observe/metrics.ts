/**
 * The gateway's Prometheus metrics (`dockgate_*`), registered on a registry the caller owns.
 * Every label is bounded (see labels.ts): no raw path, id or query string ever becomes a label.
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { AuditHealth } from './audit-log-types.js';
import type { HandshakeFailure, RequestRecord } from '../core/observer.js';
import { deferredCounts, type DeferredSeries } from './deferred-counts.js';
import { boundedLabel, labelToken, methodLabel, statusClass, UNKNOWN } from './labels.js';
import { createRecentKeys } from './recent-keys.js';
import { scrapeGrowth } from './scrape-growth.js';

/**
 * What an expiry gauge describes: a certificate, or a CRL (its nextUpdate). The `kind` label of dockgate_certificate_expiry_timestamp_seconds: the Docker listener's
 * `tls.*` files (`server`, `ca`, `crl`), client certificates, and the admin listener's own
 * `admin.tls.*` files (`admin-server`, `admin-ca`, `admin-crl`).
 */
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];

/** Every CertificateKind. */
export const CERTIFICATE_KINDS = ['server', 'ca', 'client', 'crl', 'admin-server', 'admin-ca', 'admin-crl'] as const;

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Add an `identity` label (the client certificate CN) to `dockgate_requests_total`. */
  identityLabel: boolean;
  /** Gateway version for `dockgate_build_info`. */
  version: string;
  /** Clock in ms, for the client-certificate TTL (tests inject one). */
  now?: () => number;
  /** Client certificates not seen for this long lose their expiry series (default 24 h). */
  clientCertTtlMs?: number;
  /** At most this many client certificates keep an expiry series (default 1000). */
  clientCertMax?: number;
}

/** Recording methods; each is cheap and never throws on odd input. */
export interface GatewayMetrics {
  /** Count a finished request: totals, duration to headers, bytes and denials. */
  requestFinished(record: RequestRecord): void;
  connectionOpened(): void;
  connectionClosed(): void;
  handshakeFailed(reason: HandshakeFailure): void;
  /** A handshake the admin listener (with `admin.tls`) refused: `dockgate_admin_tls_handshake_failures_total`. */
  adminHandshakeFailed(reason: HandshakeFailure): void;
  /** A stream started; `streamEnded` must follow with the same arguments. */
  streamStarted(operation: string | undefined, hijack: boolean): void;
  streamEnded(operation: string | undefined, hijack: boolean, seconds: number): void;
  upstreamError(kind: string): void;
  /** Result of one upstream `/_ping`: latency and whether the daemon answered. */
  upstreamPing(seconds: number, ok: boolean): void;
  /**
   * A policy (re)load finished; on success `version` becomes the one `dockgate_policy_info`
   * shows, and `dockgate_policy_last_reload_successful` follows the result.
   */
  policyReloaded(result: 'success' | 'failure', version?: string): void;
  /** A TLS material (re)load finished: counts it, and `dockgate_tls_last_reload_successful` follows it. */
  tlsReloaded(result: 'success' | 'failure'): void;
  /** How many CRLs the Docker API listener checks (`dockgate_tls_crls`); 0 without `tls.crl`: revocation is off. */
  setCrlsInForce(count: number): void;
  /** A reload of the admin listener's TLS files finished: `dockgate_admin_tls_last_reload_successful` follows it. */
  adminTlsReloaded(result: 'success' | 'failure'): void;
  /** Expiry of a server/CA certificate or a CRL (or a client one; prefer `clientSeen` for those). */
  setCertificateExpiry(kind: CertificateKind, name: string, notAfter: Date): void;
  /**
   * The expiry series of `kind` become exactly `items`: series of that kind not named in it are
   * removed (a reload that drops a CA or a CRL must not leave its old expiry behind to alert on).
   */
  replaceCertificateExpiry(kind: Exclude<CertificateKind, 'client'>, items: ReadonlyArray<{ name: string; notAfter: Date }>): void;
  /** A verified client connected: refresh its certificate's expiry series (LRU/TTL bounded). */
  clientSeen(name: string, notAfter: Date): void;
  /** Where `dockgate_audit_backlog_bytes` and `dockgate_audit_records_lost_total` read the audit log's state at each scrape. */
  watchAudit(health: () => AuditHealth): void;
  /** Where `dockgate_log_lines_dropped_total` reads, at each scrape, how many operational log lines were dropped so far (logger.ts). */
  watchLogDrops(dropped: () => number): void;
  /**
   * Where `dockgate_tls_cas_refused{reason}` reads, at each scrape, how many CAs of `tls.ca` have
   * every client refused for their CRL state (runtime/crl-lockouts.ts): `no-crl`, `crl-expired`, `crl-not-yet-valid`.
   */
  watchCrlLockouts(counts: () => Record<string, number>): void;
  /**
   * Where `dockgate_admin_tls_cas_refused{reason}` reads, at each scrape, how many CAs of
   * `admin.tls.ca` have every scraper refused for their CRL state (the reasons of watchCrlLockouts).
   */
  watchAdminCrlLockouts(counts: () => Record<string, number>): void;
}

/** Duration buckets (seconds) from 1 ms to 10 s, for time to response headers and pings. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Stream lifetimes: from a quick `attach` to a day-long `logs -f`. */
export const STREAM_BUCKETS = [0.1, 1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

/**
 * Free-form names (certificate names, the policy version) reduced like every other label: 128
 * characters (as the identity label, so a client's expiry series and its requests match), then
 * everything but `[A-Za-z0-9_.:@/+-]` is percent-encoded (labels.ts). Quotes, braces, controls and bidi overrides
 * from a CN a corporate CA signed never reach /metrics. Their number is bounded elsewhere.
 */
export function nameLabel(name: string): string {
  const clean = labelToken(name, 128);
  return clean === '' ? UNKNOWN : clean;
}

/** Register every `dockgate_*` metric and the default process metrics on `registry`. */
export function createMetrics(registry: Registry, opts: MetricsOptions): GatewayMetrics {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges `*_total`, which `promtool check metrics` rejects (that
  // suffix is for counters); they add little next to the process metrics, so drop them.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }

  const operation = boundedLabel(256);
  const identity = boundedLabel(1000, 128);
  const rule = boundedLabel(512);
  const code = boundedLabel(128);
  const upstreamKind = boundedLabel(64);

  const requestLabels = ['operation', 'method', 'decision', 'status_class', ...(opts.identityLabel ? ['identity'] : [])];
  // The per-request counters sum in plain numbers and reach prom-client at collection (deferred-counts.ts).
  const requestCounts = deferredCounts(() => requests);
  const bytesInCounts = deferredCounts(() => bytesIn);
  const bytesOutCounts = deferredCounts(() => bytesOut);
  const requests: Counter<string> = new Counter({
    name: 'dockgate_requests_total',
    help: 'Requests by operation, method, decision and status class',
    labelNames: requestLabels,
    registers,
    collect: requestCounts.flush,
  });
  const duration = new Histogram({
    name: 'dockgate_request_duration_seconds',
    help: 'Time from request start to response headers, by operation',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const streamDuration = new Histogram({
    name: 'dockgate_stream_duration_seconds',
    help: 'Lifetime of streaming and hijacked exchanges, by operation',
    labelNames: ['operation', 'hijack'],
    buckets: STREAM_BUCKETS,
    registers,
  });
  const denials = new Counter({
    name: 'dockgate_denials_total',
    help: 'Denied (and audit-mode would-deny) requests by rule and reason code',
    labelNames: ['rule', 'code', 'decision'],
    registers,
  });
  const bytesIn: Counter<string> = new Counter({
    name: 'dockgate_request_bytes_total',
    help: 'Bytes received from clients (bodies and hijacked client-to-daemon traffic), by operation',
    labelNames: ['operation'],
    registers,
    collect: bytesInCounts.flush,
  });
  const bytesOut: Counter<string> = new Counter({
    name: 'dockgate_response_bytes_total',
    help: 'Bytes sent to clients (bodies and hijacked daemon-to-client traffic), by operation',
    labelNames: ['operation'],
    registers,
    collect: bytesOutCounts.flush,
  });
  const openConnections = new Gauge({ name: 'dockgate_open_connections', help: 'Open client TLS connections', registers });
  const openStreams = new Gauge({ name: 'dockgate_open_streams', help: 'Open streaming exchanges, hijacked ones included', registers });
  const openHijacks = new Gauge({ name: 'dockgate_open_hijacked_sessions', help: 'Open hijacked (upgraded) sessions', registers });
  const handshakeFailures = new Counter({
    name: 'dockgate_tls_handshake_failures_total',
    help: 'Rejected TLS handshakes by reason',
    labelNames: ['reason'],
    registers,
  });
  const adminHandshakeFailures = new Counter({
    name: 'dockgate_admin_tls_handshake_failures_total',
    help: 'TLS handshakes the admin listener rejected, by reason',
    labelNames: ['reason'],
    registers,
  });
  const upstreamErrors = new Counter({
    name: 'dockgate_upstream_errors_total',
    help: 'Errors talking to the Docker daemon, by kind',
    labelNames: ['kind'],
    registers,
  });
  const pingDuration = new Histogram({
    name: 'dockgate_upstream_ping_duration_seconds',
    help: 'Latency of the daemon /_ping health probe',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const upstreamUp = new Gauge({ name: 'dockgate_upstream_up', help: '1 when the last daemon /_ping succeeded, else 0', registers });
  const policyReloads = new Counter({
    name: 'dockgate_policy_reloads_total',
    help: 'Policy loads and reloads by result',
    labelNames: ['result'],
    registers,
  });
  const policyInfo = new Gauge({
    name: 'dockgate_policy_info',
    help: 'Version of the loaded policy (value is always 1)',
    labelNames: ['version'],
    registers,
  });
  const policyLastReload = new Gauge({
    name: 'dockgate_policy_last_reload_successful',
    help: '1 when the last policy (re)load succeeded; 0 while the previous policy stays in force after a failed one',
    registers,
  });
  const tlsReloads = new Counter({
    name: 'dockgate_tls_reloads_total',
    help: 'TLS material (CA, server certificate and key, CRL) loads and reloads by result',
    labelNames: ['result'],
    registers,
  });
  const adminTlsLastReload = new Gauge({
    name: 'dockgate_admin_tls_last_reload_successful',
    help: '1 when the last reload of the admin listener\'s TLS files succeeded (or none was needed); 0 while its previous material (and CRL) stays in force after a failed one',
    registers,
  });
  adminTlsLastReload.set(1);
  const tlsLastReload = new Gauge({
    name: 'dockgate_tls_last_reload_successful',
    help: '1 when the last TLS material reload succeeded; 0 while the previous material (and CRL) stays in force after a failed one',
    registers,
  });
  const crlsInForce = new Gauge({
    name: 'dockgate_tls_crls',
    help: 'CRLs in force on the Docker API listener (one per CA with a CRL in tls.crl); 0 without tls.crl: revocation is off, a revoked client certificate is accepted',
    registers,
  });
  let crlLockouts: () => Record<string, number> = () => ({});
  new Gauge({
    name: 'dockgate_tls_cas_refused',
    help: 'CAs of tls.ca whose every client the Docker API listener refuses for their CRL state, by reason: no-crl (none in tls.crl), crl-expired, crl-not-yet-valid',
    labelNames: ['reason'],
    registers,
    collect() {
      for (const [reason, n] of Object.entries(crlLockouts())) this.set({ reason }, n);
    },
  });
  let adminCrlLockouts: () => Record<string, number> = () => ({});
  new Gauge({
    name: 'dockgate_admin_tls_cas_refused',
    help: 'CAs of admin.tls.ca whose every scraper the admin listener refuses for their CRL state, by reason: no-crl (none in admin.tls.crl), crl-expired, crl-not-yet-valid',
    labelNames: ['reason'],
    registers,
    collect() {
      for (const [reason, n] of Object.entries(adminCrlLockouts())) this.set({ reason }, n);
    },
  });
  const certExpiry = new Gauge({
    name: 'dockgate_certificate_expiry_timestamp_seconds',
    help: 'Certificate notAfter (CRL: nextUpdate) as a Unix timestamp; client certificates only while seen recently',
    labelNames: ['kind', 'name'],
    registers,
    collect() {
      for (const key of recentClients.prune()) certExpiry.remove({ kind: 'client', name: key });
    },
  });
  const buildInfo = new Gauge({
    name: 'dockgate_build_info',
    help: 'Gateway build information (value is always 1)',
    labelNames: ['version', 'node'],
    registers,
  });
  buildInfo.set({ version: opts.version, node: process.version }, 1);
  for (const result of ['success', 'failure']) {
    policyReloads.inc({ result }, 0);
    tlsReloads.inc({ result }, 0);
  }
  upstreamUp.set(0);
  let auditHealth: () => AuditHealth = () => ({ backlogBytes: 0, lostRecords: 0 });
  new Gauge({
    name: 'dockgate_audit_backlog_bytes',
    help: 'Bytes of audit records waiting for a destination that refuses writes (0 when every record is written)',
    registers,
    collect() {
      this.set(auditHealth().backlogBytes);
    },
  });
  /** The counter grows by what was lost since the last scrape. */
  const auditLostGrowth = scrapeGrowth(() => auditHealth().lostRecords);
  new Counter({
    name: 'dockgate_audit_records_lost_total',
    help: 'Audit records lost: the oldest dropped past the backlog cap, records left as a broken line, records written into a deleted audit file that could not be reopened',
    registers,
    collect() {
      auditLostGrowth(this);
    },
  });
  let logDropped: () => number = () => 0;
  /** The counter grows by what was dropped since the last scrape. */
  const logDroppedGrowth = scrapeGrowth(() => logDropped());
  new Counter({
    name: 'dockgate_log_lines_dropped_total',
    help: 'Operational log lines dropped: stderr refused writes and more than the 1 MiB held limit was waiting, or its reader closed its end',
    registers,
    collect() {
      logDroppedGrowth(this);
    },
  });

  const recentClients = createRecentKeys({
    ttlMs: opts.clientCertTtlMs ?? 24 * 3600 * 1000,
    max: opts.clientCertMax ?? 1000,
    now: opts.now,
  });

  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  /** Names with an expiry series, per kind other than `client` (those are in recentClients). */
  const fixedExpiry = new Map<CertificateKind, Set<string>>();
  function setFixedExpiry(kind: CertificateKind, name: string, notAfter: Date): void {
    const key = nameLabel(name);
    certExpiry.set({ kind, name: key }, seconds(notAfter));
    let names = fixedExpiry.get(kind);
    if (!names) fixedExpiry.set(kind, (names = new Set()));
    names.add(key);
  }

  function clientSeen(name: string, notAfter: Date): void {
    const key = nameLabel(name);
    certExpiry.set({ kind: 'client', name: key }, seconds(notAfter));
    for (const old of recentClients.touch(key)) certExpiry.remove({ kind: 'client', name: old });
  }

  // Per-request series are looked up once per label set and kept. The label values are
  // bounded, so the caches are too.
  const opSeries = new Map<string, { duration: { observe(v: number): void }; bytesIn: DeferredSeries; bytesOut: DeferredSeries }>();
  function seriesOf(op: string) {
    let series = opSeries.get(op);
    if (!series) {
      const labels = () => ({ operation: op });
      series = { duration: duration.labels({ operation: op }), bytesIn: bytesInCounts.series(op, labels), bytesOut: bytesOutCounts.series(op, labels) };
      opSeries.set(op, series);
    }
    return series;
  }

  return {
    requestFinished(r) {
      const op = operation.value(r.facts?.operation?.name);
      const method = methodLabel(r.method);
      const status = statusClass(r.status);
      const who = opts.identityLabel ? identity.value(r.identity?.name) : '';
      // NUL cannot occur in a label value (labels.ts keeps printable characters).
      const key = `${op}\0${method}\0${r.outcome}\0${status}\0${who}`;
      requestCounts
        .series(key, () => {
          const labels: Record<string, string> = { operation: op, method, decision: r.outcome, status_class: status };
          if (opts.identityLabel) labels.identity = who;
          return labels;
        })
        .inc();
      const series = seriesOf(op);
      if (r.headersMs !== undefined && r.headersMs >= 0) series.duration.observe(r.headersMs / 1000);
      if (r.bytesIn > 0) series.bytesIn.inc(r.bytesIn);
      if (r.bytesOut > 0) series.bytesOut.inc(r.bytesOut);
      if (r.decision && r.decision.outcome !== 'allow') {
        denials.inc({ rule: rule.value(r.decision.rule), code: code.value(r.decision.code), decision: r.decision.outcome });
      }
    },
    connectionOpened: () => openConnections.inc(),
    connectionClosed: () => openConnections.dec(),
    handshakeFailed: (reason) => handshakeFailures.inc({ reason }),
    adminHandshakeFailed: (reason) => adminHandshakeFailures.inc({ reason }),
    streamStarted(_op, hijack) {
      openStreams.inc();
      if (hijack) openHijacks.inc();
    },
    streamEnded(op, hijack, secs) {
      openStreams.dec();
      if (hijack) openHijacks.dec();
      streamDuration.observe({ operation: operation.value(op), hijack: String(hijack) }, Math.max(0, secs));
    },
    upstreamError: (kind) => upstreamErrors.inc({ kind: upstreamKind.value(kind) }),
    upstreamPing(secs, ok) {
      upstreamUp.set(ok ? 1 : 0);
      if (ok) pingDuration.observe(Math.max(0, secs));
    },
    policyReloaded(result, version) {
      policyReloads.inc({ result });
      policyLastReload.set(result === 'success' ? 1 : 0);
      if (result === 'success') {
        policyInfo.reset();
        policyInfo.set({ version: nameLabel(version ?? UNKNOWN) }, 1);
      }
    },
    adminTlsReloaded(result) {
      adminTlsLastReload.set(result === 'success' ? 1 : 0);
    },
    setCrlsInForce(count) {
      crlsInForce.set(count);
    },
    tlsReloaded(result) {
      tlsReloads.inc({ result });
      tlsLastReload.set(result === 'success' ? 1 : 0);
    },
    setCertificateExpiry(kind, name, notAfter) {
      if (kind === 'client') return clientSeen(name, notAfter);
      setFixedExpiry(kind, name, notAfter);
    },
    replaceCertificateExpiry(kind, items) {
      const keep = new Set(items.map((i) => nameLabel(i.name)));
      for (const old of fixedExpiry.get(kind) ?? []) {
        if (keep.has(old)) continue;
        certExpiry.remove({ kind, name: old });
        fixedExpiry.get(kind)?.delete(old);
      }
      for (const i of items) setFixedExpiry(kind, i.name, i.notAfter);
    },
    clientSeen,
    watchAudit(health) {
      auditHealth = health;
    },
    watchLogDrops(dropped) {
      logDropped = dropped;
    },
    watchCrlLockouts(counts) {
      crlLockouts = counts;
    },
    watchAdminCrlLockouts(counts) {
      adminCrlLockouts = counts;
    },
  };
}
