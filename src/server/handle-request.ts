/**
 * The normal (non-upgrade) request path: identity -> facts (reading inspected bodies) ->
 * decision -> forward or refuse -> observe.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Observer } from '../core/observer.js';
import type { Identity, RequestFacts } from '../core/types.js';
import { buildFacts, planRequest, type RequestPlan } from '../facts/build-facts.js';
import { sendDockerError } from '../http/docker-error.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import { hostHeaderProblem } from '../http/host-header.js';
import { discardBehind } from '../http/linger.js';
import { expectation, unsupportedExpectation } from '../http/expect-header.js';
import { GatewayError, refusalOutcome, SERVER_REFUSALS, type GatewayErrorCode } from '../http/gateway-error.js';
import { httpVersionRefusal } from '../http/http-version.js';
import { whenSocketCloses } from '../http/socket-close.js';
import type { EndedBy } from '../core/observer.js';
import { cutBeforeDecision, cutConnection, cutReason } from './connection-cuts.js';
import { expireIfDue } from './connection-expiry.js';
import { http10TransferEncoding, unsupportedTransferEncoding } from '../http/transfer-encoding.js';
import type { AnswerWatch, DaemonSide, Forwarder } from '../proxy/forwarder.js';
import { bodyWouldBeReframed } from '../proxy/reframed-body.js';
import { noteStreamed } from '../proxy/stream-buffer-pacing.js';
import { tenancyDecision } from '../tenancy/decision.js';
import { answeredDecision, deny, type AnswerCheck, type Tenancy } from '../tenancy/hook.js';
import type { DaemonClient } from '../tenancy/daemon-client.js';
import { heldToLimit } from '../tenancy/rewritten-body.js';
import { admit } from './admit.js';
import type { DaemonApiRange } from '../runtime/daemon-api-range.js';
import { versionRefused } from './version-gate.js';
import { afterApiRange } from './range-wait.js';
import { AFTER_CLOSE_REASON, afterClose, answerOwedBehindExpect } from './after-close.js';
import { admitAfterPolicy, hasAfterPolicy } from './after-policy.js';
import { amendBody } from './amend-body.js';
import type { BodyBudget } from './body-budget.js';
import { Exchange } from './exchange.js';
import type { Gatekeeper } from './gatekeeper.js';
import { identityOf } from './peer-identity.js';
import type { IdentityRequests } from './identity-requests.js';
import { whenFlushed, type UnreadAnswers } from './unread-answers.js';
import type { IdentityStreams } from './identity-streams.js';
import { afterContinue, awaitsContinue, sendContinue } from './expect-continue.js';
import { hostNetworkViolation, refusedAfterLookup } from './host-network-check.js';
import { readBody, TRUNCATED_BODY } from './read-body.js';

/** What the request handler needs, passed in once. */
export interface RequestHandlerDeps {
  gatekeeper: () => Gatekeeper;
  forwarder: Forwarder;
  observer: Observer;
  bodyLimit: number;
  /** Bytes of inspected bodies held at once, in all and per identity. */
  bodyBudget: BodyBudget;
  /** Open streams per identity (limits.streamsPerIdentity). */
  streams: IdentityStreams;
  /** Other forwarded requests in progress per identity (limits.requestsPerIdentity). */
  requests: IdentityRequests;
  /** Bytes of answers the gateway built itself, written and not yet read, per identity. */
  unreadAnswers: UnreadAnswers;
  /** Time an inspected body has to arrive (ms). */
  bodyTimeoutMs: number;
  /** True once shutdown began: new requests are refused with 503. */
  draining: () => boolean;
  /** Ownership, visibility and quotas after the policy allowed a request; absent = off. */
  tenancy?: Tenancy;
  /** Look-ups on the daemon a decision asks for before forwarding (decision.networkLookups). */
  daemon: DaemonClient;
  /** The daemon's API versions (version-gate.ts). */
  apiRange: DaemonApiRange;
}

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

/**
 * A body the gateway would have to re-serialise (tenancy, amendments) that writes a whole number
 * with a fraction or an exponent, or as `-0`: Go refuses `1e9` in an integer field (and `-0` in an
 * unsigned one), JSON.stringify writes them as `1000000000` and `0`, which dockerd accepts; refused
 * rather than turned into a body dockerd takes.
 */
function respelledNumber(method: string): GatewayError {
  return new GatewayError('malformed', `dockgate: refused ${method} request: the body writes a whole number with a fraction or an exponent (1e9, 100.0) or as -0, which dockerd refuses in an integer field (-0 in an unsigned one); write it as an integer`, 'json-shape');
}

/** What a request whose client left while the daemon's API versions were read is recorded with. */
const RANGE_WAIT = { outcome: 'malformed', reason: 'client-left: the client left while the gateway read the daemon\'s API versions (GET /version); nothing was forwarded' } as const;

/** The refusal recorded for a request whose client left before its body had arrived. */
const CLIENT_LEFT = { outcome: 'malformed', reason: `truncated-body: ${TRUNCATED_BODY}` } as const;

/** The refusal recorded for a request pipelined after one that closes the connection (after-close.ts). */
const AFTER_CLOSE = { outcome: 'malformed', reason: AFTER_CLOSE_REASON } as const;

/**
 * What the record of a request whose client went says of the daemon's side
 * (ForwardHooks.untilAnswered); `cut` when the gateway closed the client's connection itself.
 */
function clientLeft(side: DaemonSide, streaming: boolean, cut: EndedBy | undefined): string {
  const gone = cut ? `the gateway closed the client connection (${cut})` : 'the client left';
  if (side.kind === 'cut') return `${gone} before its request had gone to the daemon whole; the daemon request was cut off`;
  const before = streaming ? `${gone} before the end of the answer` : `${gone} before the answer`;
  if (side.kind === 'failed') return `${before}; the daemon request failed`;
  return streaming ? `${before}; the daemon answered ${side.status}, read to its end (discarded)` : `${before}; the daemon answered ${side.status} (discarded)`;
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

/** Requests handed over and not yet ended, per connection. */
const openRequests = new WeakMap<Socket, number>();

/** Build the `request` listener of the Docker API server. */
export function createRequestHandler(deps: RequestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return function handleRequest(req, res) {
    const identity = identityOf(req.socket);
    const exchange = new Exchange(deps.observer, req, identity);
    const socket = req.socket;
    // The socket's byte count when this response got the socket: at once, or (pipelined behind
    // an earlier response) when that one is done; -1 while it has not, so it was never sent.
    let writtenAtStart = res.socket ? socket.bytesWritten : -1;
    if (!res.socket) res.once('socket', () => (writtenAtStart = socket.bytesWritten));
    // And when its last byte was written: ahead of Node's own 'finish' listener, which hands
    // the socket to the next pipelined response and writes what that one has queued.
    let writtenAtEnd = -1;
    res.prependOnceListener('finish', () => (writtenAtEnd = socket.bytesWritten));
    const open = (openRequests.get(socket) ?? 0) + 1;
    openRequests.set(socket, open);
    let ended = false;
    res.setHeader('X-Dockgate-Request-Id', exchange.requestId);
    // The record is written when the answer is done, or when the client leaves before its
    // answer got the socket (a pipelined request queued behind a stream): never skipped.
    const finish = (): void => {
      if (ended) return;
      ended = true;
      openRequests.set(socket, (openRequests.get(socket) ?? 1) - 1);
      stopWaiting?.();
      deps.forwarder.ended(req, res);
      // A refusal after the decision (a tenancy look-up on the daemon that failed) means the
      // request was not forwarded: its outcome wins, as on the upgrade path.
      // Neither decided nor refused: the client left while its body was being read.
      const refusal = exchange.refusal ?? (exchange.decision ? undefined : CLIENT_LEFT);
      const outcome = refusal?.outcome ?? exchange.decision?.outcome ?? 'error';
      // Headers a response queued behind another one has "sent" may never have reached the socket.
      const sent = writtenAtStart >= 0;
      const bytesOut = sent ? (writtenAtEnd >= 0 ? writtenAtEnd : socket.bytesWritten) - writtenAtStart : 0;
      exchange.finish(outcome, sent && res.headersSent ? res.statusCode : 0, exchange.bodyBytes, bytesOut, refusal?.reason);
    };
    res.on('close', finish);
    // Node gives a response the socket at once unless an earlier one still has it; only such a
    // queued response misses its 'close' when the client leaves, so only it waits on the socket.
    const stopWaiting = res.socket ? undefined : whenSocketCloses(socket, finish);
    if (open > MAX_PIPELINED) {
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
      owed.once('close', () => ended || whenItsTurn());
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
      if (deps.draining()) {
        refuse(new GatewayError('shutting-down', 'dockgate: gateway is shutting down'));
        return;
      }
      // A request line without an HTTP/1 version (http-version.ts), before the headers as in Go.
      const versionRefusal = httpVersionRefusal(req.httpVersionMajor, req.httpVersionMinor);
      if (versionRefusal) {
        refuse(versionRefusal);
        return;
      }
      const hostProblem = hostHeaderProblem(req);
      if (hostProblem) {
        refuse(new GatewayError('bad-host', `dockgate: refused request: ${hostProblem} (dockerd refuses it too)`));
        return;
      }
      const method = req.method ?? '';
      const target = req.url ?? '';
      // Go reads no body from an HTTP/1.0 request whatever its Transfer-Encoding says (transfer-encoding.ts).
      const http10Framing = http10TransferEncoding(req, method);
      if (http10Framing) {
        refuse(http10Framing);
        return;
      }
      if (unsupportedTransferEncoding(req.headers)) {
        refuse(new GatewayError('malformed', `dockgate: refused ${method} request: Transfer-Encoding must be exactly "chunked" (dockerd takes no other)`, 'body-framing'));
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
        wanted: () => !ended,
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
        if (plan.plan === 'inspect') {
          // Without its body yet (it waits for a 100 Continue), under budget pressure, or with a
          // large body (decoding one costs the event loop: rev-dos F3), a request no rule for the
          // identity could allow is denied from its headers.
          if ((deps.bodyBudget.underPressure || awaitsContinue(req) || largeBody(req)) && deniedBeforeTheBody(deps, req, res, id, exchange, plan)) return;
          sendContinue(req, res);
          // Held until the daemon's answer begins (the body has gone to it), the read fails, or the
          // exchange ends (a refusal).
          const hold = deps.bodyBudget.hold(id.name);
          exchange.hold(hold.release);
          readBody(req, deps.bodyLimit, deps.bodyTimeoutMs, hold)
            .then(
              (body) => {
                exchange.bodyBytes = body.length;
                proceed(deps, req, res, id, exchange, refuse, plan, body, hold.release);
              },
              (err: unknown) => {
                hold.release();
                refuse(err);
              },
            )
            // Never an unhandled rejection (a crash): answer if still possible, else drop this request.
            .catch((err: unknown) => (res.headersSent ? res.destroy() : refuse(err)));
        } else {
          proceed(deps, req, res, id, exchange, refuse, plan, undefined);
        }
      }
    }
  };
}

/**
 * Under body-budget pressure, deny before its body is read a request that no rule for the
 * identity could allow (the decision does not depend on the body), so that the budget is left
 * to bodies that may be allowed. Its audit record then has no fields from the body. True when
 * it was denied; false leaves the request to the normal path (which also refuses facts that do
 * not parse, with their reason).
 */
/**
 * Bodies over this many bytes (or of a length not declared: chunked) that no rule could allow
 * are refused from the headers, not read and decoded first: a read-only identity posting 2.9 MB
 * creates in four loops raised everyone's median latency from 11 to 310 ms (rev-dos F3). Smaller
 * ones are read, so that the audit record of a refusal has the body's fields (the docker CLI's
 * creates are a few KiB).
 */
const DECODED_WHEN_DENIED_BYTES = 64 * 1024;

/** Whether `req` declares a body over DECODED_WHEN_DENIED_BYTES, or one of undeclared length. */
function largeBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? '0');
  return !(length <= DECODED_WHEN_DENIED_BYTES);
}

function deniedBeforeTheBody(deps: RequestHandlerDeps, req: IncomingMessage, res: ServerResponse, identity: Identity, exchange: Exchange, plan: RequestPlan): boolean {
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

function admitError(err: unknown): unknown {
  const e = err as { status?: number; code?: string; message?: string };
  if (typeof e.status === 'number' && typeof e.code === 'string') {
    return new GatewayError(e.status >= 500 ? 'internal' : 'malformed', `dockgate: refused request: ${e.message}`, e.code);
  }
  return err;
}

function proceed(
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
  exchange.facts = facts;
  exchange.decision = decision;
  exchange.policyVersion = gatekeeper.version;
  if (!decision.forward) {
    exchange.headersSent();
    drainRefusedBody(req);
    sendDockerError(res, 403, gatekeeper.denyMessage(identity, facts, decision));
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
    const untilAnswered = holds === 'tags' || (holds === 'locks' && !streaming) ? {
      toTheEnd: streaming,
      left: () => exchange.awaitDaemon(),
      settled: (side: DaemonSide) => exchange.daemonAnswered(clientLeft(side, streaming, cutReason(req.socket))),
    } : undefined;
    // Expired while its body was read or the gateway decided (a timer that fired late): cut, and
    // nothing forwarded.
    if (expireIfDue(req.socket)) {
      const decided = exchange.decision ?? decision;
      exchange.refusal = { outcome: decided.outcome, reason: `${decided.reason}; the gateway closed the client connection (expired) before the request was forwarded; nothing was forwarded` };
      return;
    }
    // A streamed body is read now, by the pipe to the daemon.
    sendContinue(req, res);
    deps.forwarder.forward(
      req,
      res,
      {
        onHeaders() {
          exchange.headersSent();
          releaseBody?.();
          if (facts.operation?.streaming) {
            exchange.stream = true;
            exchange.hold(deps.observer.streamOpened(facts.operation.name, false));
          } else {
            // A non-streaming operation holds only quota locks, needed until the daemon has
            // acted: freed now, not when a client that may never read the answer takes it.
            exchange.releaseHeld();
          }
        },
        onError(kind, err) {
          // The gateway answers 502 itself when no answer has begun (a no-op otherwise).
          exchange.headersSent();
          const error = (err as NodeJS.ErrnoException).code ?? err.message;
          exchange.upstreamError ??= `${kind}: ${error}`;
          deps.observer.upstreamError(kind, error);
        },
        // The streamed body stopped (limits.streamedBodyIdleMs): cut as a revocation cuts, so
        // the daemon request is dropped mid-body (dockerd gives the build or load up) and what
        // the exchange holds (tags, stream slot) is freed once the daemon connection has closed.
        onBodyIdle() {
          cutConnection(req.socket, 'body-idle');
        },
        // Not before the client can send: its 100 Continue, pipelined behind an answer still
        // being written, goes out only after that answer (rev-fix-http F4).
        bodyIdleFrom(start) {
          afterContinue(req, start);
        },
        ...(untilAnswered ? { untilAnswered } : {}),
        ...(untilAnswered && answerWatch ? { answerWatch } : {}),
      },
      forwardTarget,
      forwardBody,
    );
    // A streamed body is counted as it flows to the daemon (the pipe is already set up).
    if (!forwardBody) {
      req.on('data', (chunk: Buffer) => {
        exchange.bodyBytes += chunk.length;
        noteStreamed(chunk.length);
      });
    }
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
    exchange.headersSent();
    drainRefusedBody(req);
    sendDockerError(res, 403, gatekeeper.denyMessage(identity, facts, refused));
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
      // An answer built here is written whole: its bytes count against the identity's bound
      // until they have left the gateway (unread-answers.ts).
      let giveBack: (() => void) | undefined;
      if (verdict.kind !== 'deny') {
        try {
          giveBack = deps.unreadAnswers.take(identity.name, verdict.body.length);
        } catch (err) {
          refuse(err);
          return;
        }
      }
      exchange.headersSent();
      drainRefusedBody(req);
      if (verdict.kind === 'deny') {
        sendDockerError(res, verdict.status, verdict.message, verdict.headers ?? {});
      } else {
        whenFlushed(res, giveBack ?? (() => undefined));
        res.writeHead(verdict.status, verdict.headers);
        res.end(verdict.body);
      }
    }, (err: Error) => refuseAfterLookup(err instanceof GatewayError ? err : new GatewayError('upstream-failed', `dockgate: tenancy lookup on the daemon failed: ${err.message}`)))
      .catch((err: unknown) => (res.headersSent ? res.destroy() : refuse(err)));
  }
}
