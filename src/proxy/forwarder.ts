/**
 * Forwards allowed, non-upgrade requests to the daemon with http-proxy and streams the answer
 * back. Response headers are written in the event-loop turn in which the daemon's arrive,
 * together with the body that came with them (`docker run` waits for the headers of `/wait`
 * before it starts the container), and nothing is ever buffered whole.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Readable, type Stream } from 'node:stream';
import httpProxy from 'http-proxy';
import { sendDockerError } from '../http/docker-error.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import { relayCoalesced } from './coalescing-relay.js';
import { coalescedBodySource, NO_BODY } from './coalescing-request-body.js';
import { bodyWouldBeReframed } from './reframed-body.js';
import type { UpstreamTarget } from './upstream-target.js';
import { upstreamErrorKind } from './upstream-errors.js';

/** Per-request hooks the caller gets back from a forward. */
export interface ForwardHooks {
  /** The daemon's response headers arrived (status code given). */
  onHeaders(status: number): void;
  /** The exchange failed before or while talking to the daemon. */
  onError(kind: 'unreachable' | 'failed', err: Error): void;
  /**
   * A streamed body sent no byte for the forwarder's `streamedBodyIdleMs` while it waited for
   * one (body-idle.ts): the caller cuts the client connection, which drops the daemon request
   * as when a client leaves mid-body (`ended`). Absent: the client connection is destroyed.
   */
  onBodyIdle?(): void;
  /**
   * A streamed body's idle time counts only once this calls `start`: the `100 Continue` the
   * client waits for was written to its connection (BodyIdle.from). Absent: from the forward.
   */
  bodyIdleFrom?(start: () => void): void;
  /**
   * Set for a request that holds something until the daemon has acted on it (a quota lock, a
   * tag reservation). dockerd finishes a create, start, update or commit it has read even when
   * its connection closes, and an import it has read whole, so a client that leaves once the
   * whole request went to the daemon no longer drops the daemon request: `left` is called then
   * (from `ended`, before it returns), and `settled` once, when the daemon's side is over (see
   * DaemonSide; the answer is discarded). A request not yet handed over whole is still dropped
   * (dockerd then reads a broken-off body and gives up), and `settled` is called once its
   * daemon connection has closed.
   */
  untilAnswered?: {
    /**
     * A stream (a build, a pull, an import writing tags): settled when the daemon's answer has
     * ended, not when it begins. Its daemon connection is half-closed when the client leaves,
     * so dockerd sees the client go as it would directly: it cancels what it cancels then (a
     * build between steps, a pull) and finishes the rest (an import it has read whole).
     */
    toTheEnd: boolean;
    left(): void;
    settled(side: DaemonSide): void;
  };
  /**
   * Watches a 200 answer (tenancy's check of a build's result): see AnswerWatch. Set only with
   * `untilAnswered`, so that what the request holds waits for the watch also when the client
   * left first.
   */
  answerWatch?: AnswerWatch;
}

/**
 * Sees every piece of a 200 answer's body, in order, whether or not the client still reads
 * it, and is told once that it ended (`complete` false: it broke off). The client's answer
 * ends only once `ended` has resolved, after the bytes it resolves to (an error message added
 * to a stream); for a client that left, the request settles (untilAnswered) only then.
 */
export interface AnswerWatch {
  seen(chunk: Buffer): void;
  ended(complete: boolean): Promise<Buffer | undefined>;
}

/** How the daemon's side of a request whose client left ended (ForwardHooks.untilAnswered). */
export type DaemonSide =
  /** Its answer began (`toTheEnd`: ended) with `status`, and was discarded. */
  | { kind: 'answered'; status: number }
  /** The daemon request failed, or its connection closed before that. */
  | { kind: 'failed' }
  /** The request had not gone to the daemon whole: it was cut off, and its connection has closed. */
  | { kind: 'cut' };

/** Forwards requests to one upstream. */
export interface Forwarder {
  /**
   * Forward `req` to the daemon with request target `target` (origin-form, the one the gateway
   * decided on); `body` replaces the request stream when the gateway has read (inspected) it.
   */
  forward(req: IncomingMessage, res: ServerResponse, hooks: ForwardHooks, target: string, body?: Buffer): void;
  /**
   * The exchange of `req` ended: its response closed, or the client's connection closed (a
   * pipelined request's queued response gets no `close` of its own). When the client left
   * before the exchange completed, the daemon request and answer are dropped: their connection
   * is never reused and no stream keeps running for nobody; except a request handed over whole
   * that waits for its answer while holding something (ForwardHooks.untilAnswered), which
   * dockerd carries out anyway. Call it for every request, also
   * before `forward` (a request still being admitted); it is cheap when the exchange completed.
   */
  ended(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Destroy the daemon connections (the end of a shutdown). Errors they raise from then on are
   * the gateway's doing and are not reported to any exchange's `onError`.
   */
  close(): void;
}

const HOOKS = Symbol('dockgate.forwardHooks');
const TARGET = Symbol('dockgate.forwardTarget');
const PROXY_REQ = Symbol('dockgate.daemonRequest');
const PROXY_RES = Symbol('dockgate.daemonResponse');
const GONE = Symbol('dockgate.clientGone');
const ORPHAN = Symbol('dockgate.orphan');
const WATCH = Symbol('dockgate.answerWatch');

/** An answer watch at work on a request's 200 answer: its `ended` promise once called, and whether that has settled. */
interface Watching {
  watch: AnswerWatch;
  ended?: Promise<Buffer | undefined>;
  settled: boolean;
}

/**
 * What ends the wait for a request whose client left (ForwardHooks.untilAnswered): the answer's
 * beginning, its end (a stream), or only its connection's close (a request cut off).
 */
type Awaited = 'answer' | 'end' | 'close';
type WithHooks = IncomingMessage & {
  [HOOKS]?: ForwardHooks;
  [TARGET]?: string;
  [PROXY_REQ]?: ClientRequest;
  [PROXY_RES]?: IncomingMessage;
  /** The client left before the exchange completed: the daemon side is to be dropped. */
  [GONE]?: boolean;
  /** The client left and the daemon's side is awaited (ForwardHooks.untilAnswered) until this. */
  [ORPHAN]?: Awaited;
  /** The answer watch seeing this request's 200 answer (ForwardHooks.answerWatch). */
  [WATCH]?: Watching;
};

/** Start watching `proxyRes` (a 200 answer) when the request has a watch. */
function startWatch(req: WithHooks, proxyRes: IncomingMessage): void {
  const watch = req[HOOKS]?.answerWatch;
  if (!watch || proxyRes.statusCode !== 200) return;
  req[WATCH] = { watch, settled: false };
  proxyRes.on('data', (chunk: Buffer) => watch.seen(chunk));
}

/** Tell the watch its answer ended (once; later calls get the same promise). Undefined without a watch. */
function watchEnded(req: WithHooks, complete: boolean): Promise<Buffer | undefined> | undefined {
  const w = req[WATCH];
  if (!w) return undefined;
  if (!w.ended) {
    w.ended = w.watch.ended(complete).catch(() => undefined);
    void w.ended.then(() => (w.settled = true));
  }
  return w.ended;
}

/** Node renders a ClientRequest's head early for some headers; the path is fixed then. */
type ClientRequestHead = ClientRequest & { _header?: string | null };

// Hop-by-hop response headers: Node frames the response to the client itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer', 'te']);

/**
 * The daemon's response headers without hop-by-hop ones, as a flat [name, value, ...] list. A
 * 204 or 304 has no body, whatever its head says: its `Content-Length` is not passed on either
 * (Node writes the headers it is given as they are), so the client is not told of a body that
 * neither the gateway nor dockerd sends (dockerd never writes one there; found by the tunnels
 * review with a stand-in upstream that did).
 */
function responseHeaders(proxyRes: IncomingMessage): string[] {
  const raw = proxyRes.rawHeaders;
  const noBody = proxyRes.statusCode === 204 || proxyRes.statusCode === 304;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !(noBody && lower === 'content-length')) out.push(name, raw[i + 1] as string);
  }
  return out;
}

/**
 * Small answers with a known length are sent with one write (head, body and end together):
 * at most this many bytes are held, less than a pipe would buffer anyway.
 */
const SINGLE_WRITE_LIMIT = 64 * 1024;

/** Relay the daemon's response to the client: one write for small answers, a stream otherwise. */
function relayResponse(proxyRes: IncomingMessage, res: ServerResponse, endWith?: () => Promise<Buffer | undefined>): void {
  // A watched answer may get bytes added before its end: never framed by the daemon's length.
  const headers = endWith ? withoutLength(responseHeaders(proxyRes)) : responseHeaders(proxyRes);
  // Headers the gateway set (the request id) join the flat list, so writeHead takes Node's fast
  // path, which also keeps repeated daemon headers instead of collapsing them.
  for (const name of res.getHeaderNames()) {
    const value = res.getHeader(name);
    res.removeHeader(name);
    for (const v of Array.isArray(value) ? value : [value]) headers.push(name, String(v));
  }
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  const length = proxyRes.headers['content-length'];
  if (endWith) {
    relayCoalesced(proxyRes, res, { headWithoutBody: true, endWith });
    return;
  }
  if (length === undefined || Number(length) > SINGLE_WRITE_LIMIT) {
    // A stream (logs -f, events, wait), an answer dockerd framed in chunks (most JSON answers
    // over 2 KiB) or a large one. The head goes out with the body's first piece when that came
    // in the same read, else on its own before the event loop waits for more.
    relayCoalesced(proxyRes, res, { headWithoutBody: true });
    return;
  }
  const chunks: Buffer[] = [];
  proxyRes.on('data', (c: Buffer) => chunks.push(c));
  proxyRes.on('end', () => res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
}

/** A flat header list without `Content-Length`. */
function withoutLength(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() !== 'content-length') out.push(headers[i] as string, headers[i + 1] as string);
  }
  return out;
}

/** See Forwarder.ended. */
function dropDaemonSideIfUnfinished(req: WithHooks, res: ServerResponse): void {
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

/**
 * The daemon's answer has ended while the client's body is still arriving (dockerd answers an
 * upload to a missing directory with a 404 and `Connection: close` after a few milliseconds):
 * the daemon is done with the body. An answer that has only begun is not enough (`docker
 * load`, `build` and `cp` get their answer's head and progress while the body goes up). Its
 * daemon connection, mid-body, is dropped, and the rest of the body is discarded within the
 * bounds of a refused one, so the connection stays usable for the client's next request.
 * dockerd closes the connection instead, but that resets a client still writing (one that
 * reads only after writing everything, as python's docker SDK does, would never see the 404),
 * the reason the gateway keeps its own refusals' connections (drain-refused-body.ts). Found
 * by the tunnels review: the relay to the closed daemon connection stopped reading the
 * client's body without an error, nothing discarded it, and ~6 s later the connection was
 * reset; a request sent after the body was never answered.
 */
function bodyOutlivedAnswer(req: WithHooks): void {
  if (req.complete) return;
  const daemonReq = req[PROXY_REQ];
  if (!daemonReq || daemonReq.destroyed) {
    drainRefusedBody(req);
    return;
  }
  // The body's relay to the daemon pauses the client as the daemon request closes (listening
  // since before): the discard begins after that.
  daemonReq.once('close', () => drainRefusedBody(req));
  daemonReq.destroy();
}

/** Tell the caller the daemon's side of an orphaned request is over, once. */
function settleOrphan(req: WithHooks, side: DaemonSide): void {
  if (!req[ORPHAN]) return;
  req[ORPHAN] = undefined;
  // A watched answer (a build's result check) settles once its watch is done.
  const watched = watchEnded(req, side.kind === 'answered');
  if (!watched) req[HOOKS]?.untilAnswered?.settled(side);
  else void watched.then(() => req[HOOKS]?.untilAnswered?.settled(side));
}

/** Remove the `aborted` and `error` listeners of `req` added since `own` was taken (http-proxy's). */
function dropProxyListeners(req: IncomingMessage, own: ReadonlySet<unknown>): void {
  for (const event of ['aborted', 'error'] as const) {
    for (const listener of req.listeners(event)) {
      if (!own.has(listener)) req.off(event, listener as (...args: unknown[]) => void);
    }
  }
}

/** How the forwarder treats request bodies. */
export interface ForwarderOptions {
  /**
   * Most milliseconds a streamed request body may send nothing while the gateway waits for it
   * (`limits.streamedBodyIdleMs`; body-idle.ts); absent: no limit.
   */
  streamedBodyIdleMs?: number;
}

/** Create the forwarder for `target`. */
export function createForwarder(target: UpstreamTarget, options: ForwarderOptions = {}): Forwarder {
  /**
   * Set by close(): the daemon connections still open are destroyed by the gateway itself (the
   * end of the shutdown's grace, after it cut its clients' connections), so what breaks on them
   * then is no daemon failure and is not reported to the hooks (no `upstream-error`).
   */
  let closed = false;
  /** Report a daemon error to the exchange's hooks, unless the gateway's own close caused it. */
  const reportError = (hooks: ForwardHooks | undefined, kind: 'unreachable' | 'failed', err: Error): void => {
    if (!closed) hooks?.onError(kind, err);
  };
  const proxy = httpProxy.createProxyServer({
    target: { ...target.address, protocol: 'http:' } as unknown as string,
    agent: target.agent,
    selfHandleResponse: true,
    xfwd: false,
    proxyTimeout: 0,
    // http-proxy would otherwise run the target through url.parse (which turns `\` into `/`,
    // reads `javascript://a/b` as the path `//a/b` and throws on some hosts) and collapse `//`.
    // The path it builds is replaced below by the exact target the gateway decided on.
    toProxy: true,
  });

  proxy.on('proxyReq', (proxyReq: ClientRequestHead, req: IncomingMessage) => {
    (req as WithHooks)[PROXY_REQ] = proxyReq;
    if ((req as WithHooks)[GONE]) {
      proxyReq.destroy();
      return;
    }
    const exact = (req as WithHooks)[TARGET];
    if (exact === undefined || proxyReq._header) {
      // Never send the daemon a target other than the one decided on.
      proxyReq.destroy(new Error('dockgate: request target could not be set'));
      return;
    }
    proxyReq.path = exact;
  });

  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
    (req as WithHooks)[PROXY_RES] = proxyRes;
    const orphan = (req as WithHooks)[ORPHAN];
    if (orphan === 'end' || ((orphan === undefined || orphan === 'answer') && !(req as WithHooks)[GONE])) startWatch(req as WithHooks, proxyRes);
    if (orphan === 'answer' || orphan === 'end') {
      // Read and discarded, so the daemon connection can be reused (a stream's: so that dockerd
      // is never held up writing it).
      proxyRes.resume();
      const side = { kind: 'answered', status: proxyRes.statusCode ?? 502 } as const;
      if (orphan === 'answer') settleOrphan(req as WithHooks, side);
      else proxyRes.once('end', () => settleOrphan(req as WithHooks, side));
      return;
    }
    if ((req as WithHooks)[GONE]) {
      proxyRes.destroy();
      return;
    }
    const hooks = (req as WithHooks)[HOOKS];
    hooks?.onHeaders(proxyRes.statusCode ?? 502);
    // Ahead of relayResponse's own 'end', which ends the client's answer. Only an upload pays
    // for it; a request without a body is complete by now.
    if (!req.complete) proxyRes.once('end', () => bodyOutlivedAnswer(req as WithHooks));
    relayResponse(proxyRes, res, (req as WithHooks)[WATCH] ? () => watchEnded(req as WithHooks, true) ?? Promise.resolve(undefined) : undefined);
    // The daemon's answer broke off (it died mid-stream); a client that left destroys it without an error.
    proxyRes.on('error', (err) => {
      reportError(hooks, 'failed', err);
      res.destroy();
    });
  });

  proxy.on('error', (err: Error, req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
    const hooks = (req as WithHooks)[HOOKS];
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // A connection that could not be made (upstream-errors.ts); after an answer began, any error is `failed`.
    const unreachable = upstreamErrorKind(code) === 'unreachable' && !('headersSent' in res && res.headersSent);
    // A daemon that answered before taking the whole body (a 404 to an upload) and closed its
    // side breaks the rest of the upload: its answer is the outcome, not a failure of the daemon.
    const answeredEarly = (req as WithHooks)[PROXY_RES] !== undefined && (code === 'EPIPE' || code === 'ECONNRESET');
    if (!answeredEarly) reportError(hooks, unreachable ? 'unreachable' : 'failed', err);
    const orphan = (req as WithHooks)[ORPHAN];
    if (orphan) {
      // Nobody to answer; what the request held can go (a request cut off: once its connection has closed).
      if (orphan !== 'close') settleOrphan(req as WithHooks, { kind: 'failed' });
      return;
    }
    if ('writeHead' in res) {
      // The daemon never took the body: discard what is still arriving (bounded) so the client reads the 502.
      drainRefusedBody(req);
      sendDockerError(res, 502, `dockgate: upstream ${target.name} ${unreachable ? 'unreachable' : 'failed'}: ${code || err.message}`);
    } else {
      res.destroy();
    }
  });

  return {
    forward(req, res, hooks, exactTarget, body) {
      (req as WithHooks)[HOOKS] = hooks;
      (req as WithHooks)[TARGET] = exactTarget;
      const headers = req.headers;
      // The daemon connection is ours to keep alive; the client's preference is hop-by-hop.
      delete headers.connection;
      delete headers['keep-alive'];
      delete headers['proxy-connection'];
      // The gateway already answered the client's `Expect: 100-continue`; with it, Node would
      // also write the daemon request's head before the target is set.
      delete headers.expect;
      // Without `Connection: Upgrade` this is not an upgrade (Node's server read it as a normal
      // request), but dockerd switches protocols on `Upgrade` alone and the answer would be lost.
      delete headers.upgrade;
      try {
        // The request handler refuses these; a body sent after a head that says none is a smuggled request.
        if (!body && bodyWouldBeReframed(req.method ?? '', headers)) throw new Error('a DELETE or OPTIONS body without Content-Length cannot be forwarded');
        const own = hooks.untilAnswered ? new Set([...req.listeners('aborted'), ...req.listeners('error')]) : undefined;
        if (body) {
          delete headers['transfer-encoding'];
          headers['content-length'] = String(body.length);
          proxy.web(req, res, { buffer: Readable.from([body]) });
        } else {
          // A streamed body, written to the daemon a turn's pieces at a time; only one the
          // forwarded head announces (see NO_BODY).
          const announced = headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
          const idleMs = options.streamedBodyIdleMs;
          const from = hooks.bodyIdleFrom?.bind(hooks);
          const idle = idleMs === undefined ? undefined : { ms: idleMs, onIdle: () => (hooks.onBodyIdle ? hooks.onBodyIdle() : req.socket.destroy()), ...(from ? { from } : {}) };
          proxy.web(req, res, { buffer: (announced ? coalescedBodySource(req, idle) : NO_BODY) as unknown as Stream });
        }
        // http-proxy aborts the daemon request when the client's request is aborted or fails (the
        // client left); for such a request `ended` decides instead.
        if (own) dropProxyListeners(req, own);
      } catch (err) {
        // A throw here would otherwise reach the request listener and end the process.
        hooks.onError('failed', err as Error);
        drainRefusedBody(req);
        if (!res.headersSent) sendDockerError(res, 502, `dockgate: upstream ${target.name} failed: ${(err as Error).message}`);
        else res.destroy();
      }
    },
    ended(req, res) {
      dropDaemonSideIfUnfinished(req as WithHooks, res);
    },
    close() {
      closed = true;
      proxy.close();
      target.agent.destroy();
    },
  };
}
