/**
 * The upgrade path (`docker attach`, `docker exec`, BuildKit `/session`): decided by the same
 * admission as every other request, refused before any upgrade, and piped raw only after the
 * daemon answers 101. What it needs is upgrade-handler-deps.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EndedBy } from '../core/observer.js';
import { originForm } from '../facts/path.js';
import { writeRawDockerError } from '../http/docker-error.js';
import { CONTINUE_LINE, continueWanted, expectation, unsupportedExpectation } from '../http/expect-header.js';
import { GatewayError, refusalOutcome, SERVER_REFUSALS, type GatewayErrorCode } from '../http/gateway-error.js';
import { GONE_BEFORE_SENT, hijack } from '../proxy/hijack.js';
import { tenancyDecision } from '../tenancy/decision.js';
import { writeRawAnswer } from '../tenancy/raw-answer.js';
import { answeredDecision } from '../tenancy/hook.js';
import { admit } from './admit.js';
import type { Identity } from '../core/types.js';
import { planRequest, routeFacts, type RequestPlan } from '../facts/build-facts.js';
import { transferEncodingRefusal } from '../http/transfer-encoding.js';
import { upgradeBodyLength } from '../http/upgrade-body-length.js';
import { writeRawVersionError } from '../http/version-error.js';
import { versionRefused } from './version-gate.js';
import { afterApiRange } from './range-wait.js';
import { admitAfterPolicy, hasAfterPolicy } from './after-policy.js';
import { AFTER_CLOSE_REASON, afterClose, whenAnswered } from './after-close.js';
import { cutBeforeDecision, cutReason } from './connection-cuts.js';
import { decidedFromTheHeadersFirst, upgradeDeniedBeforeTheBody } from './denied-before-body.js';
import { expireIfDue } from './connection-expiry.js';
import { Exchange } from './exchange.js';
import { headRefusal } from './head-refusal.js';
import { identityOf } from './peer-identity.js';
import { readUpgradeBody } from './upgrade-body.js';
import { sendUpgradeDenial } from './send-denial.js';
import type { UpgradeHandlerDeps } from './upgrade-handler-deps.js';

/**
 * Go's own closing refusals say `Connection: close` on the upgrade path too, as dockerd says it;
 * the gateway's other raw refusals close without saying so (docker-error.ts, writeRawDockerError).
 */
const SAID_CLOSING = new Set<GatewayErrorCode>(SERVER_REFUSALS);

/** The record's reason for an upgrade whose client left before it was decided (queued behind earlier answers). */
const CLIENT_LEFT_REASON = 'client-left: client connection closed before a decision';

/**
 * What the record of an upgrade handed to the daemon adds to its reason when the client went
 * before the daemon answered (hijack's `error` with no status): it left, or the gateway cut it.
 */
function goneBeforeTheAnswer(error: string, cut: EndedBy | undefined): string {
  const gone = cut ? `the gateway closed the client connection (${cut})` : 'the client left';
  return error === GONE_BEFORE_SENT ? `${gone} before the upgrade was sent to the daemon; nothing was forwarded` : `${gone} before the daemon answered the upgrade; the daemon request was dropped`;
}

/** Build the `upgrade` listener of the Docker API server. */
export function createUpgradeHandler(deps: UpgradeHandlerDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return function handleUpgrade(req, socket, head) {
    socket.pause();
    const identity = identityOf(req.socket);
    const exchange = new Exchange(deps.observer, req, identity);
    // On every answer, as the request path sets it on its responses.
    const idHeader = { 'X-Dockgate-Request-Id': exchange.requestId };
    // Set once the request and its body are read: a client's end after it is its stdin's end.
    let requestWhole = false;
    const refuse = (err: unknown): void => {
      const gerr = err instanceof GatewayError ? err : new GatewayError('internal', `dockgate: internal error: ${(err as Error).message}`);
      // A client that closed its side before its request was whole (a body broken off) is gone:
      // it is sent nothing. One that ended after a whole request reads the answer (rev-fix-exec F2).
      const answered = socket.writable && (requestWhole || !socket.readableEnded);
      let bytes = 0;
      if (answered) {
        exchange.headersSent();
        bytes = writeRawDockerError(socket, gerr.status, gerr.message, SAID_CLOSING.has(gerr.code) ? { Connection: 'close', ...idHeader } : idHeader);
      } else {
        socket.destroy();
      }
      exchange.finish(refusalOutcome(gerr), answered ? gerr.status : 0, 0, bytes, `${gerr.reasonCode}: ${gerr.message}`);
    };
    socket.on('error', () => socket.destroy());
    const afterCloseRecord = (): void => exchange.finish('malformed', 0, 0, 0, AFTER_CLOSE_REASON);
    if (afterClose(socket)) {
      // Pipelined behind a request or answer that closes the connection (after-close.ts): never
      // read by dockerd, so neither decided nor answered; the earlier answer ends the connection.
      afterCloseRecord();
      return;
    }
    // Until the hijack owns the connection, a client that goes (it left, or the gateway cut it:
    // revocation, shutdown) still gets its record, also while the upgrade waits for the answers
    // before it; refusals have already written theirs.
    let handedOff = false;
    socket.once('close', () => {
      if (handedOff) return;
      const cut = cutReason(socket);
      exchange.finish(exchange.decision?.outcome ?? 'malformed', 0, 0, 0, exchange.decision ? undefined : cut ? cutBeforeDecision(cut) : CLIENT_LEFT_REASON);
    });
    // Pipelined behind requests whose answers are still owed (a slow stats, an /events stream):
    // dockerd reads the upgrade only once they are done, so it is decided and answered only then,
    // else its 101 (and the tunnel) or its refusal and close would overtake them. Node reads
    // nothing more from the socket meanwhile (it let go of it with the upgrade; paused above).
    whenAnswered(socket, () => {
      // The client left meanwhile: recorded by the close above.
      if (socket.destroyed) return;
      // An earlier answer turned out to close the connection (known once its head was written).
      if (afterClose(socket)) return afterCloseRecord();
      // From its turn on, a client that closes its sending side (TCP FIN, TLS close_notify) has
      // not left: a client may send the request, its stdin and its end at once, before the 101.
      // Node would end the connection on it (TLS sockets are not half-open); kept open, the
      // request is decided and forwarded, and after the 101 the daemon's side is ended (hijack).
      // A client that half-closes before its body is complete is gone (truncated-body, refuse).
      // Before its turn (queued behind answers still owed) a FIN still ends the connection,
      // with the answers before it, as on the request path.
      (socket as Duplex & { allowHalfOpen: boolean }).allowHalfOpen = true;
      decide();
    });

    /** Decide on the upgrade and answer it, or hand it to the daemon: its turn on the connection has come. */
    function decide(): void {
      if (!identity) return refuse(new GatewayError('internal', 'dockgate: connection has no verified identity'));
      // Its certificate expired since the handshake (a timer that fired late): cut, and recorded
      // by the close above (connection-cut, expired).
      if (expireIfDue(socket)) return;
      // Shutting down, the request line, the Host header, HTTP/1.0 framing (head-refusal.ts).
      const headRefused = headRefusal(req, deps.draining());
      if (headRefused) return refuse(headRefused);
      // The body's framing, refused from the headers as on the request path (handle-request.ts),
      // at the same points: a Transfer-Encoding other than `chunked` before the Expect header (Go
      // fails reading the request: 501), any other one but a Content-Length (upgrade-body-length.ts)
      // where a chunked DELETE is refused; both before the version gate and the body budget.
      const method = req.method ?? '';
      const framingRefused = transferEncodingRefusal(req.headers, method);
      if (framingRefused) return refuse(framingRefused);
      const expects = expectation(req.rawHeaders);
      if (expects === 'unsupported') return refuse(unsupportedExpectation());
      const length = upgradeBodyLength(method, req.headers);
      if (length instanceof GatewayError) return refuse(length);
      // A target that does not parse is refused by admit, with its reason, once the body is read.
      let plan: RequestPlan | undefined;
      try {
        plan = planRequest(req.method ?? '', req.url ?? '', req.headers);
      } catch {
        plan = undefined;
      }
      // The daemon's API versions, when not known yet, are read first (range-wait.ts); a client
      // that leaves meanwhile is recorded by the close above.
      const id = identity;
      afterApiRange(deps.apiRange, plan, {
        proceed: () => inRange(id, plan, expects, length),
        refuse,
        wanted: () => !socket.destroyed,
        failed: refuse,
      });
    }

    /** The version gate (version-gate.ts), then the body (`length` bytes) and the decision. */
    function inRange(identity: Identity, plan: RequestPlan | undefined, expects: ReturnType<typeof expectation>, length: number): void {
      const refused = plan && versionRefused(deps.apiRange, req.method ?? '', req.url ?? '', plan);
      if (refused) {
        // Answered as dockerd's version middleware answers it, before the upgrade: nothing is acted on.
        exchange.facts = refused.facts;
        exchange.headersSent();
        const bytes = writeRawVersionError(socket, refused.answer, idHeader);
        exchange.finish('malformed', refused.answer.status, 0, bytes, refused.reason);
        return;
      }
      // Its route, in a version the daemon serves, names the operation: a refusal before the
      // decision (its body over the cap, too slow or broken off, JSON not decided on) is recorded under it.
      if (plan) exchange.facts = routeFacts(req.method ?? '', req.url ?? '', plan);

      // A client waiting for a `100 Continue`, as Go reads Expect (HTTP/1.1, a body).
      const awaitsContinue = expects === 'continue' && continueWanted(req, req.headers);
      // Waiting for its 100, under budget pressure or with a large body, an upgrade no rule for
      // the identity could allow is denied from its headers, as on the request path
      // (denied-before-body.ts): no 100 is sent, and no body read or held.
      if (plan && decidedFromTheHeadersFirst(req, deps.bodyBudget.underPressure, awaitsContinue) && upgradeDeniedBeforeTheBody(deps.gatekeeper(), req, socket, identity, exchange, plan, idHeader)) return;
      // Held until the request is handed to the daemon (or refused, or the client goes).
      const hold = deps.bodyBudget.hold(identity.name);
      exchange.hold(hold.release);
      // Node's upgrade event bypasses checkContinue: a client waiting for its `100 Continue` is
      // sent it once the body is accepted, before it is read, as dockerd sends it when its
      // handler reads the body (also when the body came with the head: `100 101` from both).
      const sendContinue = awaitsContinue
        ? () => { if (socket.writable) socket.write(CONTINUE_LINE); }
        : undefined;
      readUpgradeBody(length, head, socket, deps.bodyLimit, deps.bodyTimeoutMs, hold, sendContinue).then(({ body, rest }) => {
        requestWhole = true;
        const gatekeeper = deps.gatekeeper();
        let admission;
        try {
          admission = admit(gatekeeper, identity, req.method ?? '', req.url ?? '', req.headers, body.length > 0 ? body : undefined);
        } catch (err) {
          return refuse(err);
        }
        const { facts, decision } = admission;
        exchange.decided(facts, decision, gatekeeper.version);
        if (!decision.forward) {
          sendUpgradeDenial({ exchange, socket, gatekeeper, identity, facts, decision, extra: idHeader, bytesIn: body.length });
          return;
        }
        if (!facts.operation?.hijack) {
          return refuse(new GatewayError('malformed', `dockgate: ${facts.operation?.name ?? 'this route'} does not accept a connection upgrade`, 'bad-upgrade'));
        }
        try {
          // The session's slot, held until the exchange ends (a refusal below ends it at once).
          const releaseSlot = deps.streams.open(identity, facts);
          if (releaseSlot) exchange.hold(releaseSlot);
        } catch (err) {
          return refuse(err);
        }
        // Tenancy (src/tenancy): ownership, visibility and quotas, after the policy allowed the
        // request. Its look-ups on the daemon take time: a client that leaves meanwhile is
        // recorded when they end, with what tenancy decided (Exchange.decidedAfterLeaving).
        // And the exec an exec start starts, checked on the daemon (after-policy.ts).
        // The tenancy of the policy that decided it, as on the normal path (one policy per request).
        const tenancyPolicy = gatekeeper.tenancy;
        const tenancy = deps.tenancy?.active(tenancyPolicy) ? deps.tenancy : undefined;
        const after = hasAfterPolicy(tenancy, decision);
        if (after) exchange.awaitDaemon();
        const admitted = after
          ? admitAfterPolicy({ tenancy, daemon: deps.daemon, decision, denyMessage: (refused) => gatekeeper.denyMessage(identity, facts, refused), request: { identity, facts, body: body.length > 0 ? body : undefined, method: req.method ?? 'POST', target: req.url ?? '/', requestId: exchange.requestId, ...(tenancyPolicy ? { policy: tenancyPolicy } : {}) } })
          : Promise.resolve(undefined);
        return admitted.then((verdict) => {
          if (verdict && verdict.kind !== 'forward') {
            exchange.decision = verdict.kind === 'deny' ? tenancyDecision(verdict) : answeredDecision(decision, verdict);
            if (exchange.decidedAfterLeaving()) return;
            exchange.headersSent();
            const bytes = verdict.kind === 'deny'
              ? writeRawDockerError(socket, verdict.status, verdict.message, { ...verdict.headers, ...idHeader })
              : writeRawAnswer(socket, { ...verdict, headers: { ...verdict.headers, ...idHeader } });
            exchange.finish(exchange.decision.outcome, verdict.status, body.length, bytes);
            return;
          }
          if (verdict) exchange.decision = answeredDecision(decision, verdict);
          if (exchange.decidedAfterLeaving()) {
            verdict?.release?.();
            return;
          }
          // Expired while its body was read or tenancy decided (a timer that fired late): cut,
          // nothing forwarded; recorded by the close above with the decision.
          if (expireIfDue(socket)) {
            verdict?.release?.();
            return;
          }
          const forwardBody = verdict?.body ?? (body.length > 0 ? body : undefined);
          handedOff = true;
          // 0 until the daemon answers (or the gateway answers 502 for it).
          let status = 0;
          let closeStream: (() => void) | undefined;
          deps.sessions.add(socket);
          // The origin-form target the facts were built from (admit accepted it, so it parses).
          const target = verdict?.target ?? originForm(req.url ?? '');
          // Handed to the daemon with the request: no longer a body waiting for a decision.
          hold.release();
          hijack(deps.target, { method: req.method ?? 'POST', target, rawHeaders: req.rawHeaders, body: forwardBody, head: rest, answerHeaders: idHeader }, socket, {
            onHeaders(code) {
              status = code;
              exchange.headersSent();
              // Only a 101 is a hijack: the record's `stream` and dockgate_stream_duration_seconds
              // both say so; a 404 (no such exec or container), a 502 or a client gone before the
              // answer was no stream, and is neither (rev-observe F4).
              if (code === 101) {
                exchange.stream = true;
                closeStream = deps.observer.streamOpened(facts.operation?.name ?? 'unknown', true);
              }
            },
            onEnd({ bytesIn, bytesOut, error, upstream }) {
              deps.sessions.delete(socket);
              closeStream?.();
              verdict?.release?.();
              // The daemon request failed before any answer (the gateway answered 502): counted
              // with its kind, as on the request path.
              if (error && upstream) {
                exchange.upstreamError ??= `${upstream}: ${error}`;
                deps.observer.upstreamError(upstream, error);
                // A daemon that could not be reached may have gone: its API range is stale
                // (version-gate.ts); `error` is the OS error code when there is one.
                if (upstream === 'unreachable') deps.apiRange.notReached(error);
              }
              // No answer at all: the client went before the daemon answered (or before the request was sent).
              const gone = error && status === 0 ? goneBeforeTheAnswer(error, cutReason(socket)) : undefined;
              const reason = gone === undefined ? undefined : exchange.decision?.reason === undefined ? gone : `${exchange.decision.reason}; ${gone}`;
              exchange.finish(decision.outcome, status, bytesIn + body.length, bytesOut, reason);
            },
          });
        }, (err: Error) => {
          const gerr = err instanceof GatewayError ? err : new GatewayError('upstream-failed', `dockgate: tenancy lookup on the daemon failed: ${err.message}`);
          exchange.refusal = { outcome: 'error', reason: `${gerr.reasonCode}: ${gerr.message}` };
          if (exchange.decidedAfterLeaving()) return;
          refuse(gerr);
        });
      }, refuse).catch((err: unknown) => {
        // A bug past the point of answering must not become an unhandled rejection (a crash):
        // drop this connection only.
        socket.destroy();
        exchange.finish('error', 500, 0, 0, `internal: ${(err as Error).message}`);
      });
    }
  };
}
