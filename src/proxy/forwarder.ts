/**
 * Forwards allowed, non-upgrade requests to the daemon with http-proxy and streams the answer
 * back. Response headers are written in the event-loop turn in which the daemon's arrive,
 * together with the body that came with them (`docker run` waits for the headers of `/wait`
 * before it starts the container), and nothing is ever buffered whole. The answer's relay is
 * response-relay.ts; a client that leaves, client-gone.ts; the state kept on each request,
 * exchange-state.ts.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Readable, type Stream } from 'node:stream';
import httpProxy from 'http-proxy';
import { sendDockerError } from '../http/docker-error.js';
import { announcesBody } from '../http/announced-body.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import { startWatch, watchEnded } from './answer-watch.js';
import { bodyOutlivedAnswer } from './body-outlived-answer.js';
import { dropDaemonSideIfUnfinished, settleOrphan } from './client-gone.js';
import { coalescedBodySource, NO_BODY } from './coalescing-request-body.js';
import { GONE, HOOKS, ORPHAN, PROXY_REQ, PROXY_RES, TARGET, WATCH, type WithHooks } from './exchange-state.js';
import type { ForwardHooks } from './forward-hooks.js';
import { bodyWouldBeReframed } from './reframed-body.js';
import { relayResponse } from './response-relay.js';
import type { UpstreamTarget } from './upstream-target.js';
import { upstreamErrorKind } from './upstream-errors.js';

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

/** Key of the client's answer, on the daemon's answer relayed to it. */
const CLIENT_ANSWER = Symbol('dockgate.clientAnswer');

/** A daemon answer with the client's answer it is relayed to. */
type AnswerOf = IncomingMessage & { [CLIENT_ANSWER]?: ServerResponse };

/** Node renders a ClientRequest's head early for some headers; the path is fixed then. */
type ClientRequestHead = ClientRequest & { _header?: string | null };

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
  /** The daemon's answer (`this`) broke off: reported to its exchange's hooks, and the client's answer destroyed. */
  const answerBroke = function (this: AnswerOf, err: Error): void {
    const res = this[CLIENT_ANSWER];
    if (!res) return;
    reportError((res.req as WithHooks)[HOOKS], 'failed', err);
    res.destroy();
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
    // The daemon's answer broke off (it died mid-stream); a client that left destroys it without
    // an error. One listener for every answer, finding the client's answer on it: a stream keeps
    // no closure of this handler's scope (docs/benchmarks.md, "Less kept per stream").
    (proxyRes as AnswerOf)[CLIENT_ANSWER] = res;
    proxyRes.on('error', answerBroke);
  });

  proxy.on('error', (err: Error, req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
    const hooks = (req as WithHooks)[HOOKS];
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // A connection that could not be made (upstream-errors.ts); after an answer began, any error is `failed`.
    const unreachable = upstreamErrorKind(err as NodeJS.ErrnoException) === 'unreachable' && !('headersSent' in res && res.headersSent);
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
          const announced = announcesBody(headers);
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
