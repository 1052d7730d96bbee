/**
 * `Expect: 100-continue`. Node answers it with `100 Continue` by itself unless the server
 * listens for `checkContinue`; the gateway listens, and sends the `100` only when it is about to
 * read the body (to inspect it, or to stream it to the daemon). A request refused from its
 * headers then never has its body sent: the refusal goes out at once, and Node closes the
 * connection, since the body its headers announced never came. Before, a caller no rule allows
 * got the `100` and held the connection for the body timeout (`limits.bodyTimeoutMs`, 30 s)
 * instead of the headers timeout.
 *
 * Whether a `100` is owed at all is decided as dockerd decides it (expect-header.ts), not as
 * Node does: on the first `Expect` header only, and only for a request with a body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { continueWanted, expectation } from '../http/expect-header.js';

const awaiting = new WeakSet<IncomingMessage>();
/** Requests whose 100 was handed to Node and not yet written to the socket, with who waits for that. */
const inFlight = new WeakMap<IncomingMessage, (() => void)[]>();

/**
 * Node's `checkContinue` (it found `100-continue` in the joined `Expect` values): note that `req`
 * waits for a `100 Continue` if dockerd would send it one. Otherwise (no body, or a first
 * `Expect` that is not `100-continue`: refused as `bad-expect` when not empty) none goes out,
 * and Node is told so: it closes the connection after an answer to a request it flagged as
 * waiting for a 100 that never came, and dockerd keeps it.
 */
export function checkContinue(req: IncomingMessage, res: ServerResponse): void {
  if (expectation(req.rawHeaders) === 'continue' && continueWanted(req, req.headers)) {
    awaitContinue(req);
    return;
  }
  (res as ServerResponse & { _expect_continue?: boolean })._expect_continue = false;
}

/** Note that `req` asked for a `100 Continue` before it sends its body. */
export function awaitContinue(req: IncomingMessage): void {
  awaiting.add(req);
}

/** Whether `req` waits for a `100 Continue` the gateway has not sent. */
export function awaitsContinue(req: IncomingMessage): boolean {
  return awaiting.has(req);
}

/**
 * Send the `100 Continue` `req` waits for, once, before its body is read. Node writes it when
 * the response has the socket: at once, or, pipelined behind an answer still being written,
 * only after that one (afterContinue).
 */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (!awaiting.delete(req) || res.headersSent || res.destroyed) return;
  const waiters: (() => void)[] = [];
  inFlight.set(req, waiters);
  res.writeContinue(() => {
    inFlight.delete(req);
    for (const then of waiters) then();
  });
}

/**
 * Call `then` once the `100 Continue` sent to `req` has been written to its connection, at
 * once when none is on its way (none was owed, or it was written already). Never when the
 * connection goes first.
 */
export function afterContinue(req: IncomingMessage, then: () => void): void {
  const waiters = inFlight.get(req);
  if (waiters) waiters.push(then);
  else then();
}
