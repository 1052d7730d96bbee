/**
 * Readiness: the gateway's own checks (listener up, certificates and policy loaded) plus a live
 * `/_ping` of the daemon. Each probe also feeds `dockgate_upstream_up` and the ping histogram.
 */
import type { Upstream } from '../config/types.js';
import type { AuditHealth } from './audit-log-types.js';
import type { GatewayMetrics } from './metrics.js';
import type { OperationalLog } from './logger.js';
import { pathKind, upstreamDownAdvice } from './upstream-down-advice.js';
import { pingUpstream } from './upstream-ping.js';

/** One named check's state. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

/** What `/readyz` reports. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** Options of {@link createReadiness}. */
export interface ReadinessOptions {
  upstream: Upstream;
  /** Ping timeout in ms. */
  timeoutMs: number;
  metrics?: Pick<GatewayMetrics, 'upstreamPing'>;
  /** The gateway's own checks, evaluated at each probe (e.g. `listener`, `certificates`, `policy`). */
  checks: () => Record<string, CheckResult>;
}

/** How long the audit destination may refuse writes before readiness fails (a full pipe catching up is not an outage). */
export const AUDIT_REFUSING_GRACE_MS = 5000;

/**
 * The `audit` check: fails once the audit destination has refused writes for
 * AUDIT_REFUSING_GRACE_MS, naming the error and what is held, so a load balancer stops sending
 * requests whose records cannot be written.
 */
export function auditCheck(health: AuditHealth, now: number): CheckResult {
  if (health.refusingSince === undefined || now - health.refusingSince < AUDIT_REFUSING_GRACE_MS) return { ok: true };
  const since = new Date(health.refusingSince).toISOString();
  return { ok: false, detail: `the audit destination refuses writes since ${since} (${health.error ?? 'error'}); ${health.backlogBytes} bytes of records held` };
}

/** Build the readiness function: ready when every check and the daemon ping are OK. */
export function createReadiness(opts: ReadinessOptions): () => Promise<Readiness> {
  return async function readiness() {
    let checks: Record<string, CheckResult>;
    try {
      checks = { ...opts.checks() };
    } catch (err) {
      checks = { gateway: { ok: false, detail: String(err) } };
    }
    const ping = await pingUpstream(opts.upstream, opts.timeoutMs);
    opts.metrics?.upstreamPing(ping.seconds, ping.ok);
    checks.daemon = ping.ok ? { ok: true } : { ok: false, detail: ping.detail ?? 'no answer' };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}

/**
 * Ping the daemon every `intervalMs` (and at once) so `dockgate_upstream_up` stays current even
 * when nobody probes `/readyz`, and log when the daemon stops or starts answering: a daemon
 * that is down (or a wrong `upstream`) shows in the log from the start, not only in 502s.
 * Returns a function that stops the timer.
 */
export function startUpstreamMonitor(opts: {
  upstream: Upstream;
  intervalMs: number;
  timeoutMs: number;
  metrics: Pick<GatewayMetrics, 'upstreamPing'>;
  log?: OperationalLog;
  /** Each answered ping: its `API-Version` header, and whether the daemon did not answer the one before. */
  answered?: (apiVersion: string | undefined, cameBack: boolean) => void;
  /** Each failed ping: its OS error code (undefined: it timed out, or the daemon answered another status). */
  unanswered?: (code: string | undefined) => void;
}): () => void {
  let stopped = false;
  // Unknown until the first ping: only a failure is logged then.
  let up: boolean | undefined;
  const tick = async () => {
    const ping = await pingUpstream(opts.upstream, opts.timeoutMs);
    if (stopped) return;
    opts.metrics.upstreamPing(ping.seconds, ping.ok);
    if (ping.ok) opts.answered?.(ping.apiVersion, up === false);
    else opts.unanswered?.(ping.code);
    if (ping.ok === up) return;
    const wasUp = up;
    up = ping.ok;
    if (ping.ok) {
      if (wasUp === false) opts.log?.info({ event: 'upstream-up', upstream: opts.upstream.url }, 'the daemon answers /_ping again');
      return;
    }
    // What is at a unix socket's path is looked at only now, when the warning is written: in this
    // turn, so that a ping ending meanwhile cannot log upstream-up before this warning.
    const upstream = opts.upstream;
    const advice = upstreamDownAdvice(upstream, ping.code, upstream.kind === 'unix' ? pathKind(upstream.path) : undefined);
    opts.log?.warn({ event: 'upstream-down', upstream: upstream.url, error: ping.detail ?? 'no answer', ...(advice === undefined ? {} : { advice }) }, 'the daemon does not answer /_ping: requests get 502, or wait if it accepts connections without answering, until it does');
  };
  void tick();
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
