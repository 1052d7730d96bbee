/**
 * Admission: the facts and decision stages for one request, shared by the normal and the
 * upgrade paths so both are decided by exactly the same function.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import { buildFacts, type RequestPlan } from '../facts/build-facts.js';
import { FactsError } from '../facts/errors.js';
import { GatewayError } from '../http/gateway-error.js';
import type { Gatekeeper } from './gatekeeper.js';

/** A request that passed parsing, with the decision made on it. */
export interface Admission {
  facts: RequestFacts;
  decision: Decision;
}

/**
 * Parse the request as dockerd will and decide it. Throws GatewayError for requests the
 * gateway refuses to interpret (400) so they are never forwarded.
 */
export function admit(gatekeeper: Gatekeeper, identity: Identity, method: string, rawTarget: string, headers: IncomingHttpHeaders, body?: Buffer, plan?: RequestPlan): Admission {
  let facts: RequestFacts;
  try {
    facts = buildFacts({ method, rawTarget, headers, body }, plan);
  } catch (err) {
    if (err instanceof FactsError) {
      throw new GatewayError(err.status >= 500 ? 'internal' : 'malformed', `dockgate: refused ${method} request: ${err.message}`, err.code);
    }
    throw err;
  }
  return { facts, decision: gatekeeper.decide(identity, facts) };
}
