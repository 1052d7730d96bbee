/**
 * Denial from the headers alone: a request no rule for its identity could allow, whatever its body,
 * refused before its body is read (under body-budget pressure, waiting for a 100 Continue, or
 * with a large body), on the request path and the upgrade path alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import { buildFacts, type RequestPlan } from '../facts/build-facts.js';
import type { ExtraHeaders } from '../http/docker-error.js';
import type { Exchange } from './exchange.js';
import type { Gatekeeper } from './gatekeeper.js';
import type { RequestHandlerDeps } from './request-handler-deps.js';
import { sendDenial, sendUpgradeDenial } from './send-denial.js';

/**
 * Bodies over this many bytes (or of a length not declared: chunked) that no rule could allow
 * are refused from the headers, not read and decoded first: a read-only identity posting 2.9 MB
 * creates in four loops raised everyone's median latency from 11 to 310 ms (rev-dos F3). Smaller
 * ones are read, so that the audit record of a refusal has the body's fields (the docker CLI's
 * creates are a few KiB).
 */
const DECODED_WHEN_DENIED_BYTES = 64 * 1024;

/** Whether `req` declares a body over DECODED_WHEN_DENIED_BYTES, or one of undeclared length. */
export function largeBody(req: Pick<IncomingMessage, 'headers'>): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? '0');
  return !(length <= DECODED_WHEN_DENIED_BYTES);
}

/**
 * Whether a request is first checked for a denial from its headers alone, before its body is
 * read: the body budget is under pressure (so that the budget is left to bodies that may be
 * allowed), the client waits for a `100 Continue` (a caller no rule allows is refused at once,
 * not sent the 100 and held for its body: expect-continue.ts), or its body is large.
 */
export function decidedFromTheHeadersFirst(req: Pick<IncomingMessage, 'headers'>, underPressure: boolean, awaitsContinue: boolean): boolean {
  return underPressure || awaitsContinue || largeBody(req);
}

/** A denial of a request from its headers: the facts it was decided on, and the decision. */
export interface HeaderDenial {
  facts: RequestFacts;
  decision: Decision;
}

/**
 * The denial of `req` by `gatekeeper` whatever its body (the decision does not depend on it), or
 * undefined: allowed by some rule for some body, or facts that do not parse (left to the normal
 * path, which refuses them with their reason once the body is read). Its audit record then has
 * no fields from the body.
 */
export function denialFromTheHeaders(gatekeeper: Gatekeeper, req: IncomingMessage, identity: Identity, plan: RequestPlan): HeaderDenial | undefined {
  let facts: RequestFacts;
  try {
    facts = buildFacts({ method: req.method ?? '', rawTarget: req.url ?? '', headers: req.headers }, plan);
  } catch {
    return undefined;
  }
  const decision = gatekeeper.denialWhateverTheBody(identity, facts);
  return decision ? { facts, decision } : undefined;
}

/**
 * On the request path, deny before its body is read a request that no rule for the identity
 * could allow (denialFromTheHeaders), and answer it 403. True when it was denied; false leaves
 * the request to the normal path.
 */
export function deniedBeforeTheBody(deps: RequestHandlerDeps, req: IncomingMessage, res: ServerResponse, identity: Identity, exchange: Exchange, plan: RequestPlan): boolean {
  const gatekeeper = deps.gatekeeper();
  const denial = denialFromTheHeaders(gatekeeper, req, identity, plan);
  if (!denial) return false;
  exchange.decided(denial.facts, denial.decision, gatekeeper.version);
  sendDenial(exchange, req, res, 403, gatekeeper.denyMessage(identity, denial.facts, denial.decision));
  return true;
}

/**
 * The same on the upgrade path: answered 403 raw on `socket` (with `extra` headers: the request
 * id), which is then closed, before any `100 Continue` and before the body is read or held. True
 * when it was denied.
 */
export function upgradeDeniedBeforeTheBody(gatekeeper: Gatekeeper, req: IncomingMessage, socket: Duplex, identity: Identity, exchange: Exchange, plan: RequestPlan, extra: ExtraHeaders): boolean {
  const denial = denialFromTheHeaders(gatekeeper, req, identity, plan);
  if (!denial) return false;
  exchange.decided(denial.facts, denial.decision, gatekeeper.version);
  sendUpgradeDenial({ exchange, socket, gatekeeper, identity, facts: denial.facts, decision: denial.decision, extra, bytesIn: 0 });
  return true;
}
