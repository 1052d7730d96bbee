/**
 * A measuring instrument, not product code: dockgate's forwarder (src/proxy/forwarder.ts) with
 * undici's `Pool.dispatch` in place of http-proxy and Node's HTTP client, for the question left
 * to the team in docs/benchmarks.md ("The largest lever left is the upstream client"). Swapped
 * in for dist/proxy/forwarder.js by undici-forwarder-hook.mjs, so the same build runs both:
 *
 *   node bench/ab.mjs --clients 16,1 shipped= undici=--import=./bench/lib/reference/undici-forwarder-hook.mjs
 *
 * It has the interface of the real one and keeps what the keep-alive scenarios exercise: the
 * exact origin-form target, hop-by-hop, `Upgrade` and `Expect` headers not forwarded, inspected
 * bodies sent as read with their length, streamed bodies and answers with backpressure, small
 * answers with a known length in one write with their head, the gateway's own headers, 502 on a
 * failed daemon, the daemon request dropped when the client leaves. It leaves out the
 * coalescing relay and the stream-buffer pacing of long streams, and classifies every failure
 * as `unreachable`.
 */
import { Pool } from 'undici';
import { sendDockerError } from '../../../dist/http/docker-error.js';
import { drainRefusedBody } from '../../../dist/http/drain-refused-body.js';

const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer', 'te', 'expect']);
const STATE = Symbol('undiciForwarder');
const SINGLE_WRITE_LIMIT = 64 * 1024;

/** The forwarder for `target` (dockgate's UpstreamTarget); unix-socket daemons only. */
export function createForwarder(target) {
  const pool = new Pool('http://docker', { socketPath: target.address.socketPath, pipelining: 1 });
  return {
    forward(req, res, hooks, exactTarget, body) {
      const raw = req.rawHeaders;
      const headers = [];
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (NOT_FORWARDED.has(name) || (body && name === 'content-length')) continue;
        headers.push(raw[i], raw[i + 1]);
      }
      const streamed = body === undefined && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
      const state = { controller: undefined, done: false };
      req[STATE] = state;
      let held;
      pool.dispatch(
        { method: req.method, path: exactTarget, headers, body: body ?? (streamed ? req : null) },
        {
          onRequestStart(controller) {
            state.controller = controller;
          },
          onResponseStart(controller, status, answer, statusMessage) {
            hooks.onHeaders(status);
            const out = [];
            for (const name of Object.keys(answer)) {
              if (NOT_FORWARDED.has(name)) continue;
              const value = answer[name];
              for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
            }
            for (const name of res.getHeaderNames()) {
              out.push(name, String(res.getHeader(name)));
              res.removeHeader(name);
            }
            res.writeHead(status, statusMessage, out);
            const length = answer['content-length'];
            if (length !== undefined && Number(length) <= SINGLE_WRITE_LIMIT) held = [];
            else res.flushHeaders();
          },
          onResponseData(controller, chunk) {
            if (held) return void held.push(chunk);
            if (!res.write(chunk)) {
              controller.pause();
              res.once('drain', () => controller.resume());
            }
          },
          onResponseEnd() {
            state.done = true;
            if (held) res.end(held.length === 1 ? held[0] : Buffer.concat(held));
            else res.end();
          },
          onResponseError(_controller, err) {
            state.done = true;
            if (res.headersSent) return void res.destroy(err);
            hooks.onError('unreachable', err);
            drainRefusedBody(req);
            sendDockerError(res, 502, `dockgate: upstream ${target.name} failed: ${err.code ?? err.message}`);
          },
        },
      );
    },
    ended(req, res) {
      if (res.writableFinished && !req.socket.destroyed) return;
      const state = req[STATE];
      if (state && !state.done) state.controller?.abort(new Error('the client left'));
    },
    close() {
      void pool.destroy();
    },
  };
}
