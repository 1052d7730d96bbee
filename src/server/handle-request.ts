/**
 * The normal (non-upgrade) request path: identity -> facts (reading inspected bodies) ->
 * decision -> forward or refuse -> observe. This module holds the `request` listener: the
 * connection's bookkeeping (pipelining, turns, the record at the end), the checks on the head,
 * the plan and the body read; the decision and what follows it are decide-and-forward.ts, a
 * denial from the head alone denied-before-body.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../core/types.js';
import { planRequest, routeFacts, type RequestPlan } from '../facts/build-facts.js';
import { sendDockerError } from '../http/docker-error.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import { discardBehind } from '../http/linger.js';
import { expectation, unsupportedExpectation } from '../http/expect-header.js';
import { GatewayError, refusalOutcome, SERVER_REFUSALS, type GatewayErrorCode } from '../http/gateway-error.js';
import { cutBeforeDecision } from './connection-cuts.js';
import { expireIfDue } from './connection-expiry.js';
import { transferEncodingRefusal } from '../http/transfer-encoding.js';
import { bodyWouldBeReframed } from '../proxy/reframed-body.js';
import { GatewayResponse, REQUEST_ID_HEADER } from './gateway-response.js';
import { versionRefused } from './version-gate.js';
import { afterApiRange } from './range-wait.js';
import { AFTER_CLOSE_REASON, afterClose, answerOwedBehindExpect } from './after-close.js';
import { decideAndForward } from './decide-and-forward.js';
import { decidedFromTheHeadersFirst, deniedBeforeTheBody } from './denied-before-body.js';
import { Exchange } from './exchange.js';
import { headRefusal } from './head-refusal.js';
import { identityOf } from './peer-identity.js';
import type { RequestHandlerDeps } from './request-handler-deps.js';
import { awaitsContinue, sendContinue } from './expect-continue.js';
import { readBody } from './read-body.js';
import { RequestEnd } from './request-end.js';

/**
 * Requests one connection may have open at once. Docker clients send one at a time; each
 * pipelined request is a daemon connection (an /events stream each), so past this the
 * connection is refused and closed.
 */
export const MAX_PIPELINED = 16;

/**
 * Refusals after which the connection is closed instead of reading the rest of the body: a
 * gateway shutting down, a body too slow, and bodies over the budget (reading on would go on
 * taking what the budget protects), an HTTP/1.0 request with a Transfer-Encoding (where its body
 * ends, and so where the next request starts, is not known), and the refusals after which dockerd
 * closes the connection.
 */
const CLOSING = new Set<GatewayErrorCode>(['shutting-down', 'body-timeout', 'identity-body-budget', 'body-budget', 'http10-body', ...SERVER_REFUSALS]);

/**
 * Closing refusals decided from the headers alone, holding nothing (no body read, no budget
 * share). A closing refusal queued behind earlier answers still owed (pipelined) waits for its
 * turn, as dockerd answers in order, instead of destroying the connection and those answers with
 * it; one not in this set (a body too slow, a budget) first stops the parsing of the connection,
 * so that neither the rest of the refused body nor what follows it is parsed while it waits (its
 * share of the body budget was given back by the read that failed): discarded, bounded.
 */
const HEADER_ONLY = new Set<GatewayErrorCode>(['shutting-down', 'http10-body', ...SERVER_REFUSALS]);

/** What a request whose client left while the daemon's API versions were read is recorded with. */
const RANGE_WAIT = { outcome: 'malformed', reason: 'client-left: the client left while the gateway read the daemon\'s API versions (GET /version); nothing was forwarded' } as const;

/** The refusal recorded for a request pipelined after one that closes the connection (after-close.ts). */
const AFTER_CLOSE = { outcome: 'malformed', reason: AFTER_CLOSE_REASON } as const;

/** Build the `request` listener of the Docker API server. */
export function createRequestHandler(deps: RequestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return function handleRequest(req, res) {
    const identity = identityOf(req.socket);
    const exchange = new Exchange(deps.observer, req, identity);
    const socket = req.socket;
    // The record is written when the answer is done, or when the client leaves before its
    // answer got the socket (a pipelined request queued behind a stream): never skipped.
    // A stream keeps only this of the request's admission (request-end.ts).
    const end = new RequestEnd(deps.forwarder, exchange, res);
    // Written into the answer's head as it goes out (gateway-response.ts); a plain ServerResponse gets a header table.
    if (res instanceof GatewayResponse) res.requestId = exchange.requestId;
    else res.setHeader(REQUEST_ID_HEADER, exchange.requestId);
    if (end.openOnConnection > MAX_PIPELINED) {
      // An answer would wait behind the earlier ones (an endless stream, say): the connection
      // goes, and every request on it is recorded as it ends.
      exchange.refusal = { outcome: 'malformed', reason: 'pipeline-limit: dockgate: too many requests pipelined on one connection' };
      socket.destroy();
      return;
    }
    // Behind an `Expect: 100-continue` request not yet answered, whose refusal may still close
    // the connection (Node closes after an answer that asked for no body the client sent
    // anyway, and a tenancy refusal comes after a daemon look-up): decided once that answer is
    // done, as dockerd reads a request only after the previous answer. Recorded `after-close`
    // if the connection closes first.
    // Checked again after each wait: the request held before it may be one too.
    const whenItsTurn = (): void => {
      const owed = answerOwedBehindExpect(socket, res);
      if (!owed) {
        exchange.refusal = undefined;
        inTurn();
        return;
      }
      exchange.refusal = AFTER_CLOSE;
      owed.once('close', () => end.ended || whenItsTurn());
    };
    whenItsTurn();

    /** Everything of a request from the moment no earlier answer on its connection is owed. */
    function inTurn(): void {
      if (afterClose(socket, res)) {
        // Pipelined behind a request or answer that closes the connection: dockerd would read
        // nothing more. Neither decided nor answered; recorded when the connection closes.
        exchange.refusal = AFTER_CLOSE;
        return;
      }

      const refuse = (err: unknown): void => {
        const gerr = err instanceof GatewayError ? err : new GatewayError('internal', `dockgate: internal error: ${(err as Error).message}`);
        exchange.refusal = { outcome: refusalOutcome(gerr), reason: `${gerr.reasonCode}: ${gerr.message}` };
        // A shutting-down gateway closes, and so does one whose client sends its body too slowly;
        // otherwise the rest of a refused body is discarded, bounded.
        const closing = CLOSING.has(gerr.code);
        // Queued behind an earlier response (a create, a wait, an endless /events): a refusal
        // about a body (its share already given back by the read that failed) parses nothing more
        // from the connection while it waits: the rest of that body and what follows are thrown
        // away unread (up to a bound, then not read), and a FIN is the client leaving (linger.ts).
        if (closing && !res.socket && !HEADER_ONLY.has(gerr.code)) discardBehind(socket);
        // A closing refusal queued behind earlier answers is written now and goes out, with its
        // `Connection: close`, when Node hands it the socket: after them, whole (behind an
        // endless stream, never; its record then has status 0, written when the connection
        // ends). Its head is written now so that a request pipelined after it is `after-close`.
        exchange.headersSent();
        if (!closing) drainRefusedBody(req);
        sendDockerError(res, gerr.status, gerr.message, {}, closing);
      };

      if (!identity) {
        refuse(new GatewayError('internal', 'dockgate: connection has no verified identity'));
        return;
      }
      // Its certificate expired since the handshake (a timer that fired late): the connection is
      // cut, nothing decided or forwarded.
      if (expireIfDue(socket)) {
        exchange.refusal = { outcome: 'malformed', reason: cutBeforeDecision('expired') };
        return;
      }
      // Shutting down, the request line, the Host header, HTTP/1.0 framing (head-refusal.ts).
      const headRefused = headRefusal(req, deps.draining());
      if (headRefused) {
        refuse(headRefused);
        return;
      }
      const method = req.method ?? '';
      const target = req.url ?? '';
      const framingRefused = transferEncodingRefusal(req.headers, method);
      if (framingRefused) {
        refuse(framingRefused);
        return;
      }
      if (expectation(req.rawHeaders) === 'unsupported') {
        refuse(unsupportedExpectation());
        return;
      }
      if (bodyWouldBeReframed(method, req.headers)) {
        // http-proxy would send this body after a `Content-Length: 0` head: a smuggled request (reframed-body.ts).
        refuse(new GatewayError('malformed', `dockgate: refused ${method} request: a body on ${method} is forwarded only with a Content-Length, not chunked`, 'body-framing'));
        return;
      }
      let plan: RequestPlan;
      try {
        plan = planRequest(method, target, req.headers);
      } catch (err) {
        refuse(admitError(err));
        return;
      }
      // The daemon's API versions, when not known yet, are read first (range-wait.ts); the body
      // waits unread meanwhile, and a client that leaves meanwhile is recorded as such.
      const id = identity;
      afterApiRange(deps.apiRange, plan, {
        proceed: () => afterPlan(plan, id),
        refuse,
        wanted: () => !end.ended,
        failed: (err: unknown) => (res.headersSent ? res.destroy() : refuse(err)),
        waiting: (on) => (exchange.refusal = on ? RANGE_WAIT : undefined),
      });

      /** The request from its plan on: the version gate, then its body (when inspected) and the decision. */
      function afterPlan(plan: RequestPlan, id: Identity): void {
        const refused = versionRefused(deps.apiRange, req.method ?? '', req.url ?? '', plan);
        if (refused) {
          // Answered as dockerd's version middleware answers it: nothing of it is decided or acted on.
          exchange.facts = refused.facts;
          exchange.refusal = { outcome: 'malformed', reason: refused.reason };
          exchange.headersSent();
          drainRefusedBody(req);
          res.writeHead(refused.answer.status, refused.answer.headers);
          res.end(refused.answer.body);
          return;
        }
        // Its route, in a version the daemon serves, names the operation: a refusal before the
        // decision (a body over the cap, too slow or broken off, JSON not decided on) is recorded
        // and counted under it.
        exchange.facts = routeFacts(req.method ?? '', req.url ?? '', plan);
        if (plan.plan === 'inspect') {
          // Without its body yet (it waits for a 100 Continue), under budget pressure, or with a
          // large body (decoding one costs the event loop: rev-dos F3), a request no rule for the
          // identity could allow is denied from its headers.
          if (decidedFromTheHeadersFirst(req, deps.bodyBudget.underPressure, awaitsContinue(req)) && deniedBeforeTheBody(deps, req, res, id, exchange, plan)) return;
          sendContinue(req, res);
          // Held until the daemon's answer begins (the body has gone to it), the read fails, or the
          // exchange ends (a refusal).
          const hold = deps.bodyBudget.hold(id.name);
          exchange.hold(hold.release);
          readBody(req, deps.bodyLimit, deps.bodyTimeoutMs, hold)
            .then(
              (body) => {
                exchange.bodyBytes = body.length;
                decideAndForward(deps, req, res, id, exchange, refuse, plan, body, hold.release);
              },
              (err: unknown) => {
                hold.release();
                refuse(err);
              },
            )
            // Never an unhandled rejection (a crash): answer if still possible, else drop this request.
            .catch((err: unknown) => (res.headersSent ? res.destroy() : refuse(err)));
        } else {
          decideAndForward(deps, req, res, id, exchange, refuse, plan, undefined);
        }
      }
    }
  };
}

/** A planning error (FactsError: a status and a code) as the gateway refusal it is; anything else unchanged. */
function admitError(err: unknown): unknown {
  const e = err as { status?: number; code?: string; message?: string };
  if (typeof e.status === 'number' && typeof e.code === 'string') {
    return new GatewayError(e.status >= 500 ? 'internal' : 'malformed', `dockgate: refused request: ${e.message}`, e.code);
  }
  return err;
}
