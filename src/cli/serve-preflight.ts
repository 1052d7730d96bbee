/**
 * Start-up checks of the material a config names: the TLS files and the policy. A problem
 * here is a configuration error (exit 2, which the systemd unit does not restart on), not an
 * operational one; every problem is reported at once.
 */
import type { GatewayConfig } from '../config/types.js';
import { loadGatekeeper } from '../runtime/policy-gatekeeper.js';
import { loadTlsMaterial } from '../server/tls-material.js';

/** Problems of the TLS material and policy `config` names; empty when both load. */
export async function checkStartMaterial(config: GatewayConfig): Promise<string[]> {
  const problems: string[] = [];
  try {
    await loadTlsMaterial(config.tls);
  } catch (err) {
    problems.push(`TLS material: ${(err as Error).message}`);
  }
  try {
    loadGatekeeper(config.policy);
  } catch (err) {
    problems.push((err as Error).message);
  }
  return problems;
}
