/**
 * The gateway's Prometheus metrics (`dockgate_*`), registered on a registry the caller owns.
 * Every label is bounded (see labels.ts): no raw path, id or query string ever becomes a label.
 * Each group of metrics is its own file; this one registers them all, in a fixed order (the
 * order of /metrics), with the default process metrics and `dockgate_build_info`.
 */
import { Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import { registerCertificateExpiryMetrics, type CertificateExpiryMetrics, type ClientExpiryBounds } from './certificate-expiry-metrics.js';
import { registerCrlStateMetrics, type CrlStateMetrics } from './crl-state-metrics.js';
import { registerLogHealthMetrics, type LogHealthMetrics } from './log-health-metrics.js';
import { registerReloadMetrics, type ReloadMetrics } from './reload-metrics.js';
import { registerTrafficMetrics, type TrafficMetrics } from './traffic-metrics.js';

/** Options of {@link createMetrics}; the client certificates' expiry bounds are ClientExpiryBounds'. */
export interface MetricsOptions extends ClientExpiryBounds {
  /** Add an `identity` label (the client certificate CN) to `dockgate_requests_total`. */
  identityLabel: boolean;
  /** Gateway version for `dockgate_build_info`. */
  version: string;
}

/** Recording methods; each is cheap and never throws on odd input. */
export interface GatewayMetrics extends TrafficMetrics, ReloadMetrics, CrlStateMetrics, CertificateExpiryMetrics, LogHealthMetrics {}

/** Register every `dockgate_*` metric and the default process metrics on `registry`. */
export function createMetrics(registry: Registry, opts: MetricsOptions): GatewayMetrics {
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges `*_total`, which `promtool check metrics` rejects (that
  // suffix is for counters); they add little next to the process metrics, so drop them.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }

  const traffic = registerTrafficMetrics(registry, opts.identityLabel);
  const reloads = registerReloadMetrics(registry);
  const crlState = registerCrlStateMetrics(registry);
  const certificateExpiry = registerCertificateExpiryMetrics(registry, opts);
  const buildInfo = new Gauge({
    name: 'dockgate_build_info',
    help: 'Gateway build information (value is always 1)',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  buildInfo.set({ version: opts.version, node: process.version }, 1);
  const logHealth = registerLogHealthMetrics(registry);
  return { ...traffic, ...reloads, ...crlState, ...certificateExpiry, ...logHealth };
}
