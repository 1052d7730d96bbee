/**
 * A request on the normal path once its body, when inspected, has been read: admission (facts and
 * decision), then a denial, or the amendments, the network look-ups, tenancy and the exec start
 * check, and the forwarding to the daemon.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../core/types.js';
import type { RequestPlan } from '../facts/build-facts.js';
import { announcesBody } from '../http/announced-body.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import { GatewayError } from '../http/gateway-error.js';
import type { AnswerWatch } from '../proxy/forward-hooks.js';
import { tenancyDecision } from '../tenancy/decision.js';
import { answeredDecision, deny, type AnswerCheck, type Tenancy } from '../tenancy/hook.js';
import { heldToLimit } from '../tenancy/rewritten-body.js';
import { admit } from './admit.js';
import { admitAfterPolicy, hasAfterPolicy } from './after-policy.js';
import { amendBody } from './amend-body.js';
import { expireIfDue } from './connection-expiry.js';
import type { Exchange } from './exchange.js';
import { exchangeHooks, streamedBodyCounter, untilAnsweredOf } from './exchange-hooks.js';
import { sendContinue } from './expect-continue.js';
import { hostNetworkViolation, refusedAfterLookup } from './host-network-check.js';
import type { RequestHandlerDeps } from './request-handler-deps.js';
import { sendDenial } from './send-denial.js';
import { whenFlushed } from './unread-answers.js';

/**
 * A body the gateway would have to re-serialise (tenancy, amendments) that writes a whole number
 * with a fraction or an exponent, or as `-0`: Go refuses `1e9` in an integer field (and `-0` in an
 * unsigned one), JSON.stringify writes them as `1000000000` and `0`, which dockerd accepts; refused
 * rather than turned into a body dockerd takes.
 */
function respelledNumber(method: string): GatewayError {
  return new GatewayError('malformed', `dockgate: refused ${method} request: the body writes a whole number with a fraction or an exponent (1e9, 100.0) or as -0, which dockerd refuses in an integer field (-0 in an unsigned one); write it as an integer`, 'json-shape');
}

/**
 * The forwarder's watch of an answer tenancy checks after the fact: a refusal it finds replaces
 * the exchange's decision (a tenancy denial, recorded with the status the answer had begun with).
 */
function recordedWatch(check: AnswerCheck, exchange: Exchange): AnswerWatch {
  return {
    seen: (chunk) => check.seen(chunk),
    ended: async (complete) => {
      const outcome = await check.ended(complete);
      if (outcome.refusal) exchange.decision = tenancyDecision(deny(403, outcome.refusal.code, outcome.refusal.message));
      return outcome.append;
    },
  };
}

/**
 * Admit the request (`body`: its inspected body, read whole; undefined when streamed or absent)
 * and answer it: a denial, or, once the look-ups and checks after the policy allow it, forward
 * it to the daemon. `refuse` answers and records a refusal.
 */
export function decideAndForward(
  deps: RequestHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  identity: Identity,
  exchange: Exchange,
  refuse: (err: unknown) => void,
  plan: RequestPlan,
  body: Buffer | undefined,
  /** Gives back the inspected body's share of the body budget. */
  releaseBody?: () => void,
): void {
  let admission;
  const gatekeeper = deps.gatekeeper();
  try {
    admission = admit(gatekeeper, identity, req.method ?? '', req.url ?? '', req.headers, body, plan);
  } catch (err) {
    refuse(err);
    return;
  }
  const { facts, decision } = admission;
  // Everything tenancy reads of the policy, from the policy that just decided (one per request).
  const tenancyPolicy = gatekeeper.tenancy;
  exchange.decided(facts, decision, gatekeeper.version);
  if (!decision.forward) {
    sendDenial(exchange, req, res, 403, gatekeeper.denyMessage(identity, facts, decision));
    return;
  }
  try {
    // A stream's slot, or else a request's, held until the exchange ends (a refusal below ends
    // it at once), also after the daemon's answer has begun: until the client has read it.
    const releaseStream = deps.streams.open(identity, facts);
    if (releaseStream) exchange.hold(releaseStream);
    else exchange.holdUntilEnd(deps.requests.open(identity));
  } catch (err) {
    refuse(err);
    return;
  }
  /**
   * `holds`: what the exchange holds of tenancy's (the verdict's release): `locks` (quota locks,
   * a stream slot, a commit's or a tag's reservation), or `tags`, a reservation of the tags the
   * operation writes, which a stream (a build, a pull, an import) also holds until dockerd is done.
   */
  const forwardAllowed = (forwardTarget: string, forwardBody: Buffer | undefined, holds: 'nothing' | 'locks' | 'tags' = 'nothing', answerWatch?: AnswerWatch): void => {
    const streaming = facts.operation?.streaming === true;
    // What a non-stream holds (quota lock, tag reservation) stays held until the daemon has
    // acted, also when its client leaves: the exchange then ends when the daemon answers. A
    // stream's tags stay reserved until the daemon's answer has ended (dockerd writes them at
    // the end, and finishes an import it has read whole though its client left).
    const untilAnswered = holds === 'tags' || (holds === 'locks' && !streaming);
    // Expired while its body was read or the gateway decided (a timer that fired late): cut, and
    // nothing forwarded.
    if (expireIfDue(req.socket)) {
      const decided = exchange.decision ?? decision;
      exchange.refusal = { outcome: decided.outcome, reason: `${decided.reason}; the gateway closed the client connection (expired) before the request was forwarded; nothing was forwarded` };
      return;
    }
    // A streamed body is read now, by the pipe to the daemon.
    sendContinue(req, res);
    // Made outside this function's scope (exchange-hooks.ts): a stream keeps them to its end.
    const hooks = exchangeHooks({
      exchange,
      observer: deps.observer,
      apiRange: deps.apiRange,
      req,
      streamName: streaming ? facts.operation?.name : undefined,
      releaseBody,
      untilAnswered: untilAnswered ? untilAnsweredOf(exchange, req, streaming) : undefined,
      answerWatch,
    });
    deps.forwarder.forward(req, res, hooks, forwardTarget, forwardBody);
    // A streamed body is counted as it flows to the daemon (the pipe is already set up). A
    // request whose head announces no body (a GET: an idle stream's) gets no data from Node's
    // parser, and keeps no listener for it.
    if (!forwardBody && announcesBody(req.headers)) req.on('data', streamedBodyCounter(exchange));
  };
  if (decision.amendments?.length) {
    if (facts.wholeNumberAsFloat) {
      refuse(respelledNumber(req.method ?? ''));
      return;
    }
    try {
      body = amendBody(facts, decision.amendments, deps.bodyLimit);
    } catch (err) {
      refuse(err);
      return;
    }
  }
  const lookups = decision.networkLookups;
  if (!lookups?.length) {
    afterPolicy();
    return;
  }
  // The enforced rule's hostNamespaces guard has a service's networks resolved on the daemon
  // first (host-network-check.ts); a refusal there is that rule's, recorded as its guard's.
  exchange.awaitDaemon();
  hostNetworkViolation(deps.daemon, lookups).then((violation) => {
    const refused = violation ? refusedAfterLookup(decision, violation) : undefined;
    if (refused) exchange.decision = refused;
    if (exchange.decidedAfterLeaving()) return;
    if (!refused) {
      afterPolicy();
      return;
    }
    sendDenial(exchange, req, res, 403, gatekeeper.denyMessage(identity, facts, refused));
  }, (err: unknown) => refuseAfterLookup(err instanceof GatewayError ? err : new GatewayError('upstream-failed', `dockgate: network look-up on the daemon failed: ${(err as Error).message}`)))
    .catch((err: unknown) => (res.headersSent ? res.destroy() : refuse(err)));

  /**
   * A look-up on the daemon (the networks', tenancy's) failed: refused, or, when the client
   * left meanwhile, recorded with that refusal.
   */
  function refuseAfterLookup(err: GatewayError): void {
    exchange.refusal = { outcome: err.status >= 500 ? 'error' : 'malformed', reason: `${err.reasonCode}: ${err.message}` };
    if (exchange.decidedAfterLeaving()) return;
    refuse(err);
  }

  /** Tenancy, when on, and the exec start check, when asked for, then the daemon: what follows once the policy has allowed the request. */
  function afterPolicy(): void {
    // The tenancy of the policy that decided (taken with it above), not of the one in force
    // now: a reload during the network look-up must not have a second policy decide (rev-reload F1).
    const tenancy = deps.tenancy?.active(tenancyPolicy) ? deps.tenancy : undefined;
    if (!hasAfterPolicy(tenancy, decision)) {
      forwardAllowed(plan.origin, body);
      return;
    }
    admitByTenancy(tenancy);
  }

  /**
   * Tenancy (src/tenancy): ownership, visibility and quotas, after the policy allowed the request;
   * and the exec an exec start starts, checked on the daemon (after-policy.ts).
   */
  function admitByTenancy(tenancy: Tenancy | undefined): void {
    exchange.awaitDaemon();
    const request = { identity, facts, body, method: req.method ?? '', target: req.url ?? '', bodyLimit: deps.bodyLimit, requestId: exchange.requestId, ...(tenancyPolicy ? { policy: tenancyPolicy } : {}) };
    admitAfterPolicy({ tenancy, daemon: deps.daemon, decision, request, denyMessage: (refused) => gatekeeper.denyMessage(identity, facts, refused) }).then((verdict) => {
      if (verdict.kind === 'forward') {
        // Held from here, so that a refusal below frees it too (quota lock, tags, stream slot):
        // refused without it, a create's quota lock was never freed and the tenant's next creates waited forever.
        if (verdict.release) exchange.hold(verdict.release);
        exchange.decision = answeredDecision(decision, verdict);
        if (exchange.decidedAfterLeaving()) return;
        if (verdict.body !== undefined && facts.wholeNumberAsFloat) {
          refuse(respelledNumber(req.method ?? ''));
          return;
        }
        let forwardBody = body;
        if (verdict.body !== undefined) {
          try {
            forwardBody = heldToLimit(verdict.body, req.method ?? '', deps.bodyLimit);
          } catch (err) {
            refuse(err);
            return;
          }
        }
        if (verdict.target !== undefined) req.url = verdict.target;
        // An answer checked after the fact (a tenant's BuildKit build) is awaited like a write of tags.
        const holds = verdict.answerCheck || verdict.writesTags ? 'tags' : verdict.release === undefined ? 'nothing' : 'locks';
        forwardAllowed(verdict.target ?? plan.origin, forwardBody, holds, verdict.answerCheck ? recordedWatch(verdict.answerCheck, exchange) : undefined);
        return;
      }
      exchange.decision = verdict.kind === 'deny' ? tenancyDecision(verdict) : answeredDecision(decision, verdict);
      if (exchange.decidedAfterLeaving()) return;
      if (verdict.kind === 'deny') {
        sendDenial(exchange, req, res, verdict.status, verdict.message, verdict.headers ?? {});
        return;
      }
      // An answer built here is written whole: its bytes count against the identity's bound
      // until they have left the gateway (unread-answers.ts).
      let giveBack: () => void;
      try {
        giveBack = deps.unreadAnswers.take(identity.name, verdict.body.length);
      } catch (err) {
        refuse(err);
        return;
      }
      exchange.headersSent();
      drainRefusedBody(req);
      whenFlushed(res, giveBack);
      res.writeHead(verdict.status, verdict.headers);
      res.end(verdict.body);
    }, (err: Error) => refuseAfterLookup(err instanceof GatewayError ? err : new GatewayError('upstream-failed', `dockgate: tenancy lookup on the daemon failed: ${err.message}`)))
      .catch((err: unknown) => (res.headersSent ? res.destroy() : refuse(err)));
  }
}
