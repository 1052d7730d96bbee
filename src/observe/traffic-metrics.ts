/**
 * The traffic metrics: requests, their duration, bytes and denials, open connections, streams
 * and hijacked sessions, refused handshakes, and the daemon's errors and `/_ping` health.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HandshakeFailure, RequestRecord } from '../core/observer.js';
import { deferredCounts, type DeferredSeries } from './deferred-counts.js';
import { boundedLabel, methodLabel, statusClass } from './labels.js';
import { UPSTREAM_ERROR_KINDS } from '../proxy/upstream-errors.js';

/** Recording methods of the traffic metrics; each is cheap and never throws on odd input. */
export interface TrafficMetrics {
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
}

/** Duration buckets (seconds) from 1 ms to 10 s, for time to response headers and pings. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Stream lifetimes: from a quick `attach` to a day-long `logs -f`. */
export const STREAM_BUCKETS = [0.1, 1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

/**
 * Register the traffic metrics on `registry`. `identityLabel`: add an `identity` label (the
 * client certificate CN) to `dockgate_requests_total`.
 */
export function registerTrafficMetrics(registry: Registry, identityLabel: boolean): TrafficMetrics {
  const registers = [registry];
  const operation = boundedLabel(256);
  const identity = boundedLabel(1000, 128);
  const rule = boundedLabel(512);
  const code = boundedLabel(128);
  const upstreamKind = boundedLabel(64);

  const requestLabels = ['operation', 'method', 'decision', 'status_class', ...(identityLabel ? ['identity'] : [])];
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
  // The kinds the gateway reports are exported at 0 from the start, so that the first error is an
  // increase for rate() and increase() rather than a series appearing at 1.
  for (const kind of UPSTREAM_ERROR_KINDS) upstreamErrors.inc({ kind: upstreamKind.value(kind) }, 0);
  const pingDuration = new Histogram({
    name: 'dockgate_upstream_ping_duration_seconds',
    help: 'Latency of the daemon /_ping health probe',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const upstreamUp = new Gauge({ name: 'dockgate_upstream_up', help: '1 when the last daemon /_ping succeeded, else 0', registers });
  upstreamUp.set(0);

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
      const who = identityLabel ? identity.value(r.identity?.name) : '';
      // NUL cannot occur in a label value (labels.ts keeps printable characters).
      const key = `${op}\0${method}\0${r.outcome}\0${status}\0${who}`;
      requestCounts
        .series(key, () => {
          const labels: Record<string, string> = { operation: op, method, decision: r.outcome, status_class: status };
          if (identityLabel) labels.identity = who;
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
  };
}
