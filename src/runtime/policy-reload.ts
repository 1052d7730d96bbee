/** The policy reload: the policy file read again and put in force; an invalid one keeps the policy in force. */
import type { OperationalLog } from '../observe/logger.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import { loadPolicy } from '../policy/compile.js';
import { policyTextOf, readPolicyText } from '../policy/load-file.js';
import type { SettledFile } from './file-watch.js';
import { gatekeeperFor, loadGatekeeper, logPolicyWarnings, type VersionedGatekeeper } from './policy-gatekeeper.js';
import type { PolicyLoads } from './policy-loads.js';

/**
 * The reload of the policy file `file` (undefined: the built-in default); `install` puts a
 * loaded one in force. The returned function loads the policy file and puts it in force. With a
 * `mark` (policy-loads.ts), the same bytes already tried since the mark are not loaded again: a
 * change and a SIGHUP are one load.
 */
export function createPolicyReload(deps: {
  file: string | undefined;
  policyLoads: PolicyLoads;
  install: (next: VersionedGatekeeper) => void;
  metrics: GatewayMetrics;
  log: OperationalLog;
}): (mark?: number, settled?: SettledFile) => void {
  const { file, policyLoads, install, metrics, log } = deps;
  return function reloadPolicy(mark?: number, settled?: SettledFile): void {
    try {
      let next: VersionedGatekeeper;
      if (file === undefined || mark === undefined) next = loadGatekeeper(file);
      else {
        let text: string;
        try {
          text = settled === undefined ? readPolicyText(file) : policyTextOf(file, settled);
        } catch (err) {
          policyLoads.tried(undefined);
          throw err;
        }
        if (policyLoads.alreadyTried(text, mark)) return;
        policyLoads.tried(text);
        next = gatekeeperFor(loadPolicy(text, file));
      }
      install(next);
      metrics.policyReloaded('success', next.version);
      log.info({ version: next.version, file: file ?? '(built-in default)' }, 'policy loaded');
      logPolicyWarnings(log, next);
    } catch (err) {
      metrics.policyReloaded('failure');
      log.error({ err: (err as Error).message }, 'policy reload failed; the previous policy stays in force');
    }
  };
}
