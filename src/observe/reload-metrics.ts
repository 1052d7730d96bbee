/**
 * The reload metrics: how the policy and TLS material (re)loads went, whether the last one of
 * each succeeded, and the version of the policy in force.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { nameLabel, UNKNOWN } from './labels.js';

/** Recording methods of the reload metrics. */
export interface ReloadMetrics {
  /**
   * A policy (re)load finished; on success `version` becomes the one `dockgate_policy_info`
   * shows, and `dockgate_policy_last_reload_successful` follows the result.
   */
  policyReloaded(result: 'success' | 'failure', version?: string): void;
  /** A TLS material (re)load finished: counts it, and `dockgate_tls_last_reload_successful` follows it. */
  tlsReloaded(result: 'success' | 'failure'): void;
  /** A reload of the admin listener's TLS files finished: `dockgate_admin_tls_last_reload_successful` follows it. */
  adminTlsReloaded(result: 'success' | 'failure'): void;
}

/** Register the reload metrics on `registry`. */
export function registerReloadMetrics(registry: Registry): ReloadMetrics {
  const registers = [registry];
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
  for (const result of ['success', 'failure']) {
    policyReloads.inc({ result }, 0);
    tlsReloads.inc({ result }, 0);
  }

  return {
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
    tlsReloaded(result) {
      tlsReloads.inc({ result });
      tlsLastReload.set(result === 'success' ? 1 : 0);
    },
  };
}
