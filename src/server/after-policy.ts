/**
 * What follows the policy on both the normal and the upgrade paths, once it allowed a request:
 * tenancy (when on), then the check of the exec an exec start starts (exec-start-gate.ts), when
 * the enforced rule asks for it (decision.execStart). Tenancy comes first, so that a tenant learns
 * nothing about an exec that is not theirs, and its look-ups of the exec are reused.
 */
import type { Decision } from '../core/types.js';
import { forward, type Tenancy, type TenancyRequest, type TenancyVerdict } from '../tenancy/hook.js';
import type { DaemonClient } from '../tenancy/daemon-client.js';
import { refusedAfterLookup } from './host-network-check.js';
import { execStartGate } from './exec-start-gate.js';

/** What the post-policy stage needs for one request. */
export interface AfterPolicy {
  /** Tenancy when the current policy has it on; undefined otherwise. */
  tenancy?: Tenancy;
  daemon: DaemonClient;
  /** The policy's decision (forwarding). */
  decision: Decision;
  request: TenancyRequest;
  /** The message a client refused by the policy sees (Gatekeeper.denyMessage). */
  denyMessage: (refused: Decision) => string;
}

/** True when a forwarded request has a post-policy stage; without one it is forwarded as it is. */
export function hasAfterPolicy(tenancy: Tenancy | undefined, decision: Decision): boolean {
  return tenancy !== undefined || decision.execStart !== undefined;
}

/**
 * Tenancy's verdict, then the exec start check's: a refusal by the latter is recorded as the
 * enforced rule's guard refusal (DenyVerdict.decision), and the daemon's 404 for an unknown exec
 * is answered as it is. Rejects as tenancy does when the daemon cannot be asked (a GatewayError
 * from the exec check).
 */
export async function admitAfterPolicy(a: AfterPolicy): Promise<TenancyVerdict> {
  const verdict = a.tenancy ? await a.tenancy.admit(a.request) : forward();
  const check = a.decision.execStart;
  if (verdict.kind !== 'forward' || !check) return verdict;
  let gate;
  try {
    gate = await execStartGate(a.daemon, check, verdict.execLookup);
  } catch (err) {
    verdict.release?.();
    throw err;
  }
  if (gate.kind === 'pass') return { ...verdict, note: verdict.note === undefined ? gate.note : `${verdict.note}; ${gate.note}` };
  verdict.release?.();
  if (gate.kind === 'answer') {
    const { status, raw } = gate.answer;
    const headers = { 'Content-Type': gate.answer.contentType || 'application/json', 'Content-Length': String(raw.length) };
    return { kind: 'respond', status, headers, body: raw, note: `the daemon answered ${status} to the look-up of the exec instance, returned as it is; nothing was forwarded` };
  }
  const refused = refusedAfterLookup(a.decision, gate.violation);
  return { kind: 'deny', status: 403, code: refused.code, message: a.denyMessage(refused), decision: refused };
}
