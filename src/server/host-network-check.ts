/**
 * `hostNamespaces: false` for services: the networks a service create or update names
 * (decision.networkLookups, set by the enforced rule's guard) are resolved on the daemon before
 * the request is forwarded, and one that is the host network refuses it. The docker CLI sends a
 * service's networks as IDs (`--network host` becomes the swarm `host` network's ID), which no
 * check of the name can tell apart, and a task on that network gets the host's network
 * namespace. dockerd's `GET /networks/{id}` resolves a full ID, a name or an ID prefix, of the
 * swarm's networks and the local ones, as the service create does. A network the daemon does not
 * know (404) is forwarded: dockerd refuses the create itself. Any other answer refuses (fail
 * closed, 403 `network-unchecked`); a look-up that fails (the daemon unreachable, no answer in
 * time) refuses as a daemon failure (502 `upstream-failed`). Only requests that carry look-ups
 * pay for them.
 */
import type { Decision, NetworkLookup } from '../core/types.js';
import { GatewayError } from '../http/gateway-error.js';
import { show } from '../policy/guards/body.js';
import type { Violation } from '../policy/guards/guard.js';
import type { DaemonClient } from '../tenancy/daemon-client.js';

/** Most distinct networks one request may have looked up (each is a daemon request). */
export const MAX_NETWORK_LOOKUPS = 64;

/** The code of a refusal for a network that could not be checked. */
const UNCHECKED = 'network-unchecked';

/**
 * The first of `lookups` (in body order, each target once) that the daemon resolves to the host
 * network (`host-namespace`) or that cannot be checked (`network-unchecked`); undefined when
 * none. Rejects with a GatewayError (`upstream-failed`) when a look-up itself fails.
 */
export async function hostNetworkViolation(daemon: DaemonClient, lookups: readonly NetworkLookup[]): Promise<Violation | undefined> {
  // The first place each target is named.
  const byTarget = new Map<string, NetworkLookup>();
  for (const lookup of lookups) if (!byTarget.has(lookup.target)) byTarget.set(lookup.target, lookup);
  const distinct = [...byTarget.values()];
  if (distinct.length > MAX_NETWORK_LOOKUPS) {
    return { code: UNCHECKED, reason: `the body names ${distinct.length} networks, more than the ${MAX_NETWORK_LOOKUPS} the gateway looks up on the daemon to check that none is the host network` };
  }
  for (const lookup of distinct) {
    const violation = await lookupViolation(daemon, lookup);
    if (violation) return violation;
  }
  return undefined;
}

/**
 * The decision to record and answer when a look-up refused a request the enforced rule allowed
 * (a service's networks here, the exec an exec start starts in exec-start-gate.ts): that rule's
 * guard refusal, under that rule's name, also when the decision is a would-deny recorded under
 * a rule in audit mode (which enforces nothing, and whose guards made no look-up).
 */
export function refusedAfterLookup(decision: Decision, violation: Violation): Decision {
  const note = decision.stagedAllowRule === undefined ? '' : `; the audit-mode rule "${decision.stagedAllowRule}" would allow it`;
  return { forward: false, outcome: 'deny', rule: decision.enforcedRule ?? decision.rule, code: violation.code, reason: violation.reason + note };
}

async function lookupViolation(daemon: DaemonClient, { path, target }: NetworkLookup): Promise<Violation | undefined> {
  const named = `${path} ${show(target)}`;
  // `/networks/` is the list, and `.` and `..` do not stay one path segment: no network has such a name or ID.
  if (target === '' || target === '.' || target === '..') {
    return { code: UNCHECKED, reason: `${named} cannot be looked up on the daemon to check that it is not the host network` };
  }
  let answer;
  try {
    answer = await daemon.get(`/networks/${encodeURIComponent(target)}`);
  } catch (err) {
    // The daemon could not be reached or did not answer in time: a daemon failure (502, as for
    // a forwarded request or a tenancy look-up), not a refusal of the request by the policy.
    throw new GatewayError('upstream-failed', `dockgate: ${named} could not be checked for the host network: the look-up on the daemon failed (${(err as Error).message})`);
  }
  if (answer.status === 404) return undefined;
  const network = answer.json;
  if (answer.status !== 200 || typeof network !== 'object' || network === null || Array.isArray(network)) {
    return { code: UNCHECKED, reason: `${named} could not be checked for the host network: the daemon answered its look-up with ${answer.status}` };
  }
  const { Name: name, Driver: driver } = network as Record<string, unknown>;
  if (driver === 'host' || name === 'host') {
    return { code: 'host-namespace', reason: `${named} is the host network, which is not allowed` };
  }
  return undefined;
}
