/**
 * The Observer the data path reports to: metrics for everything, exactly one audit record per
 * finished request, and handshake failures to the operational log (they are not decisions).
 * The admin listener's refused handshakes have reports of their own (`adminHandshakes`): their
 * own counter, and log lines with `listener: "admin"`.
 * Every method swallows its own errors: observing must never break a request.
 */
import type { ExpiredConnection, HandshakeFailure, HandshakeReports, Observer, RefusedCertificate, RequestRecord } from '../core/observer.js';
import type { Identity } from '../core/types.js';
import type { AuditLog } from './audit-log-types.js';
import { toAuditRecord } from './audit-record.js';
import { truncate } from './escape.js';
import type { OperationalLog } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * The `certificate` field of a `tls-handshake-failed` line: the refused client certificate,
 * cut as the audit record's identity is (its text comes from the client).
 */
export function certificateField(certificate: RefusedCertificate | undefined): { certificate?: RefusedCertificate } {
  if (!certificate) return {};
  return {
    certificate: {
      ...(certificate.cn === undefined ? {} : { cn: truncate(certificate.cn, 256) }),
      serial: truncate(certificate.serial, 64),
      issuer: truncate(certificate.issuer, 256),
      fingerprint: truncate(certificate.fingerprint, 64),
    },
  };
}

/** Options of {@link createObserver}. */
export interface ObserverOptions {
  metrics: GatewayMetrics;
  audit: AuditLog;
  /** Operational log for handshake failures and observer errors; omitted means none. */
  log?: OperationalLog;
  /** Monotonic milliseconds, for stream durations (default `performance.now`). */
  clock?: () => number;
  /** At most this many handshake-failure lines per reason, and upstream-error lines per kind and error, per minute (default 10). */
  handshakeLogPerMinute?: number;
}

/** The gateway's observer: the Docker listener's, and where the admin listener reports its refused handshakes. */
export interface GatewayObserver extends Observer {
  /** The admin listener's (with `admin.tls`): `dockgate_admin_tls_handshake_failures_total`, log lines with `listener: "admin"`. */
  adminHandshakes: HandshakeReports;
}

/** Which listener a handshake report is about: the Docker API listener's lines carry no `listener` field. */
type TlsListener = 'docker' | 'admin';

/** Run `fn`, reporting (never rethrowing) what it throws. */
function guard(log: OperationalLog | undefined, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    try {
      log?.error({ err: String(err), what }, 'observer failure');
    } catch {
      // Nothing left to report to.
    }
  }
}

/** Wire metrics, the audit log and the operational log into an Observer. */
export function createObserver(opts: ObserverOptions): GatewayObserver {
  const { metrics, audit, log } = opts;
  const clock = opts.clock ?? (() => performance.now());
  const perMinute = opts.handshakeLogPerMinute ?? 10;
  // Scanners can fail handshakes by the thousand, and a daemon that is down fails every
  // request: the counters see all, the log a sample.
  const windows = new Map<string, { start: number; logged: number; suppressed: number }>();

  /** The lines left out for `key` since its last one, or undefined when this one is left out too. */
  function sample(key: string): number | undefined {
    const now = clock();
    let w = windows.get(key);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, logged: 0, suppressed: w?.suppressed ?? 0 };
      windows.set(key, w);
    }
    if (w.logged >= perMinute) {
      w.suppressed += 1;
      return undefined;
    }
    w.logged += 1;
    const suppressed = w.suppressed;
    w.suppressed = 0;
    return suppressed;
  }

  /** The `listener` field of a log line: only the admin listener's lines name theirs. */
  const listenerField = (listener: TlsListener) => (listener === 'admin' ? { listener } : {});

  function logHandshake(listener: TlsListener, reason: HandshakeFailure, detail: string, client: string | undefined, certificate: RefusedCertificate | undefined): void {
    if (!log) return;
    const suppressed = sample(`handshake\0${listener}\0${reason}`);
    if (suppressed === undefined) return;
    log.warn({ event: 'tls-handshake-failed', ...listenerField(listener), reason, detail: truncate(detail, 512), client, ...certificateField(certificate), suppressed }, 'TLS handshake rejected');
  }

  /** The handshake reports of `listener`. */
  function handshakeReports(listener: TlsListener): HandshakeReports {
    const count = (reason: HandshakeFailure) => (listener === 'admin' ? metrics.adminHandshakeFailed(reason) : metrics.handshakeFailed(reason));
    return {
      handshakeFailed(reason, detail, client, certificate) {
        guard(log, 'handshakeFailed', () => {
          count(reason);
          logHandshake(listener, reason, detail, client, certificate);
        });
      },
      sourceBlocked(source, failures, reasons, forMs) {
        guard(log, 'sourceBlocked', () => {
          if (!log) return;
          // Sampled per source: each can be blocked at most once per block time anyway, and an
          // operator needs every source's line to act on it.
          const suppressed = sample(`source-blocked\0${listener}\0${source}`);
          if (suppressed === undefined) return;
          log.warn(
            { event: 'tls-source-blocked', ...listenerField(listener), source, failures, reasons, forSeconds: Math.round(forMs / 1000), suppressed },
            'too many failed TLS handshakes from one source: its new connections are closed on arrival for a while',
          );
        });
      },
    };
  }

  function logUpstream(kind: string, detail: string | undefined): void {
    if (!log) return;
    const error = truncate(detail ?? 'unknown', 256);
    const suppressed = sample(`upstream\0${kind}\0${error}`);
    if (suppressed === undefined) return;
    log.warn({ event: 'upstream-error', kind, error, suppressed }, kind === 'unreachable' ? 'could not reach the daemon: the client got 502' : 'lost the connection to the daemon');
  }

  return {
    connectionOpened: () => guard(log, 'connectionOpened', () => metrics.connectionOpened()),
    connectionClosed: () => guard(log, 'connectionClosed', () => metrics.connectionClosed()),
    ...handshakeReports('docker'),
    adminHandshakes: handshakeReports('admin'),
    clientSeen(identity: Identity) {
      guard(log, 'clientSeen', () => metrics.clientSeen(identity.name, identity.notAfter));
    },
    connectionExpired({ identity, notAfter, certificate, subject }: ExpiredConnection) {
      // One line per connection, each cut once: not sampled, as the revoked ones are all named.
      guard(log, 'connectionExpired', () =>
        log?.info(
          {
            event: 'expired-connection-closed',
            expired: certificate,
            notAfter: notAfter.toISOString(),
            subject: truncate(subject, 256),
            ...certificateField({ cn: identity.name, serial: identity.serial, issuer: identity.issuer, fingerprint: identity.fingerprint }),
          },
          certificate === 'client' ? 'an open connection was closed: its client certificate expired' : 'an open connection was closed: a CA of its client certificate\'s chain expired',
        ),
      );
    },
    streamOpened(operation, hijack) {
      let start = 0;
      let open = false;
      guard(log, 'streamOpened', () => {
        start = clock();
        metrics.streamStarted(operation, hijack);
        open = true;
      });
      // Ending twice (error and close handlers both firing) must not drive the gauges negative.
      return () => {
        if (!open) return;
        open = false;
        guard(log, 'streamClosed', () => metrics.streamEnded(operation, hijack, (clock() - start) / 1000));
      };
    },
    upstreamError(kind, detail) {
      guard(log, 'upstreamError', () => {
        metrics.upstreamError(kind);
        logUpstream(kind, detail);
      });
    },
    requestFinished(record: RequestRecord) {
      // Separate guards: a metrics failure must not cost the audit record, nor the reverse.
      guard(log, 'requestFinished.metrics', () => metrics.requestFinished(record));
      guard(log, 'requestFinished.audit', () => audit.write(toAuditRecord(record)));
    },
  };
}
