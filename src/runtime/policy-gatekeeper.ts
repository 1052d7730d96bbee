/**
 * Adapts a compiled policy file (or the built-in default policy) to the data path's Gatekeeper.
 */
import type { OperationalLog } from '../observe/logger.js';
import { effectiveGroups, type CompiledPolicy } from '../policy/compile.js';
import { decide, denialWhateverTheBody, denyMessage } from '../policy/evaluate.js';
import { loadDefaultPolicy, loadPolicyFile } from '../policy/load-file.js';
import { policyWarnings } from '../policy/warnings.js';
import type { Gatekeeper } from '../server/gatekeeper.js';

/** A gatekeeper plus the compiled policy behind it. */
export type VersionedGatekeeper = Gatekeeper & { policy: CompiledPolicy };

/** Load and compile the policy at `file` (the built-in default when undefined). Throws PolicyError. */
export function loadGatekeeper(file: string | undefined): VersionedGatekeeper {
  return gatekeeperFor(file ? loadPolicyFile(file) : loadDefaultPolicy());
}

/** The gatekeeper deciding by `policy`. */
export function gatekeeperFor(policy: CompiledPolicy): VersionedGatekeeper {
  return {
    version: policy.version,
    policy,
    decide: (identity, facts) => decide(policy, identity, facts),
    denialWhateverTheBody: (identity, facts) => denialWhateverTheBody(policy, identity, facts),
    denyMessage: (identity, facts, decision) => denyMessage(policy, identity, facts, decision),
    tenancy: { spec: policy.tenancy, groups: (identity) => effectiveGroups(policy, identity) },
  };
}

/**
 * Log what `policy check` warns about a policy put in force (at start and on every reload).
 * Never throws: a fault in the warnings must not change what is in force or how its load is
 * reported.
 */
export function logPolicyWarnings(log: OperationalLog, gatekeeper: VersionedGatekeeper): void {
  try {
    for (const warning of policyWarnings(gatekeeper.policy)) log.warn({ event: 'policy-warning', version: gatekeeper.version }, warning);
  } catch (err) {
    log.error({ event: 'policy-warning', version: gatekeeper.version, err: (err as Error).message }, 'could not work out the policy warnings (the policy is in force)');
  }
}
