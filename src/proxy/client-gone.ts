/**
 * The daemon's side of an exchange whose client left (Forwarder.ended): dropped, or, for a
 * request handed over whole that holds something (ForwardHooks.untilAnswered), awaited until
 * the daemon is done, then settled with how it ended (DaemonSide).
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { watchEnded } from './answer-watch.js';
import { GONE, HOOKS, ORPHAN, PROXY_REQ, PROXY_RES, WATCH, type WithHooks } from './exchange-state.js';
import type { DaemonSide } from './forward-hooks.js';

/** See Forwarder.ended. */
export function dropDaemonSideIfUnfinished(req: WithHooks, res: ServerResponse): void {
  // Answered in full to a client that is still there: nothing to drop. Already dropped or
  // awaited (a second call): the daemon side's own events take it from there.
  if ((res.writableFinished && !req.socket.destroyed) || req[GONE]) return;
  const daemonReq = req[PROXY_REQ];
  const daemonRes = req[PROXY_RES];
  const until = req[HOOKS]?.untilAnswered;
  // A daemon request in progress (its answer not begun, or for a stream not ended) for a
  // request that holds something until the daemon has acted.
  const awaited = until && daemonReq && !daemonReq.destroyed && !daemonRes?.readableEnded && (!daemonRes || until.toTheEnd);
  if (awaited) {
    req[GONE] = true;
    // A daemon connection that closes first (a reset, which http-proxy reports as `econnreset`
    // when the client has gone, or the gateway closing it) settles it too.
    daemonReq.once('close', () => settleOrphan(req, closedSide(req)));
    until.left();
    if (!daemonReq.writableEnded) {
      // Not handed over whole: dockerd reads a broken-off body and gives up. What the request
      // holds waits for the connection to close.
      req[ORPHAN] = 'close';
      cutDaemonSide(daemonReq, daemonRes);
      return;
    }
    // Handed over whole (on a daemon connection, ended): dockerd acts on it anyway.
    req[ORPHAN] = until.toTheEnd ? 'end' : 'answer';
    if (until.toTheEnd) {
      halfClose(daemonReq);
      // Read and discarded (the relay to the gone client writes nothing), so that dockerd is
      // never held up writing it.
      daemonRes?.once('end', () => settleOrphan(req, { kind: 'answered', status: daemonRes.statusCode ?? 502 }));
      daemonRes?.resume();
    }
    return;
  }
  req[GONE] = true;
  cutDaemonSide(daemonReq, daemonRes);
  const watching = req[WATCH];
  if (until && watching && !watching.settled) {
    // A watched answer that ended, or broke off, while its watch is (or is yet to be) at work
    // (a build's result being checked, its tags still reserved): what the request holds waits
    // for the watch.
    req[ORPHAN] = 'end';
    until.left();
    const complete = daemonRes?.readableEnded === true;
    settleOrphan(req, complete ? { kind: 'answered', status: daemonRes?.statusCode ?? 502 } : { kind: 'failed' });
  }
}

/** Drop what is left of the daemon's side: its answer, and the request unless it completed. */
function cutDaemonSide(daemonReq: ClientRequest | undefined, daemonRes: IncomingMessage | undefined): void {
  if (daemonRes && !daemonRes.readableEnded) daemonRes.destroy();
  if (daemonReq && !(daemonRes?.readableEnded && daemonReq.writableFinished)) daemonReq.destroy();
}

/**
 * End the gateway's side of the daemon connection once the request has been written to it: for
 * dockerd, the client has gone (Go cancels the request's context at the connection's end), yet
 * the answer can still be read. The connection is then never reused (the agent drops a socket
 * it can no longer write).
 */
function halfClose(daemonReq: ClientRequest): void {
  const end = (): void => {
    daemonReq.socket?.end();
  };
  if (daemonReq.writableFinished) end();
  else daemonReq.once('finish', end);
}

/** How the daemon's side of an orphaned request ended when its connection closed. */
function closedSide(req: WithHooks): DaemonSide {
  if (req[ORPHAN] === 'close') return { kind: 'cut' };
  // Complete once parsed whole, which may be before its 'end' is emitted.
  const daemonRes = req[PROXY_RES];
  return daemonRes?.complete ? { kind: 'answered', status: daemonRes.statusCode ?? 502 } : { kind: 'failed' };
}

/** Tell the caller the daemon's side of an orphaned request is over, once. */
export function settleOrphan(req: WithHooks, side: DaemonSide): void {
  if (!req[ORPHAN]) return;
  req[ORPHAN] = undefined;
  // A watched answer (a build's result check) settles once its watch is done.
  const watched = watchEnded(req, side.kind === 'answered');
  if (!watched) req[HOOKS]?.untilAnswered?.settled(side);
  else void watched.then(() => req[HOOKS]?.untilAnswered?.settled(side));
}
