/**
 * Denial from the headers alone: a request no rule for its identity could allow, whatever its body,
 * refused before its body is read (under body-budget pressure, waiting for a 100 Continue, or
 * with a large body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity, RequestFacts } from '../core/types.js';
import { buildFacts, type RequestPlan } from '../facts/build-facts.js';
import { sendDockerError } from '../http/docker-error.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import type { Exchange } from './exchange.js';
import type { RequestHandlerDeps } from './request-handler-deps.js';

/**
 * Bodies over this many bytes (or of a length not declared: chunked) that no rule could allow
 * are refused from the headers, not read and decoded first: a read-only identity posting 2.9 MB
 * creates in four loops raised everyone's median latency from 11 to 310 ms (rev-dos F3). Smaller
 * ones are read, so that the audit record of a refusal has the body's fields (the docker CLI's
 * creates are a few KiB).
 */
const DECODED_WHEN_DENIED_BYTES = 64 * 1024;

/** Whether `req` declares a body over DECODED_WHEN_DENIED_BYTES, or one of undeclared length. */
export function largeBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? '0');
  return !(length <= DECODED_WHEN_DENIED_BYTES);
}

/**
 * Under body-budget pressure, deny before its body is read a request that no rule for the
 * identity could allow (the decision does not depend on the body), so that the budget is left
 * to bodies that may be allowed. Its audit record then has no fields from the body. True when
 * it was denied; false leaves the request to the normal path (which also refuses facts that do
 * not parse, with their reason).
 */
export function deniedBeforeTheBody(deps: RequestHandlerDeps, req: IncomingMessage, res: ServerResponse, identity: Identity, exchange: Exchange, plan: RequestPlan): boolean {
  const gatekeeper = deps.gatekeeper();
  let facts: RequestFacts;
  try {
    facts = buildFacts({ method: req.method ?? '', rawTarget: req.url ?? '', headers: req.headers }, plan);
  } catch {
    return false;
  }
  const decision = gatekeeper.denialWhateverTheBody(identity, facts);
  if (!decision) return false;
  exchange.facts = facts;
  exchange.decision = decision;
  exchange.policyVersion = gatekeeper.version;
  exchange.headersSent();
  drainRefusedBody(req);
  sendDockerError(res, 403, gatekeeper.denyMessage(identity, facts, decision));
  return true;
}
