/**
 * Reference server `undici-upstream` (bench/layers.mjs): Node's https server forwarding to the
 * daemon's socket with undici's `Pool.dispatch` (keep-alive, one request per connection at a
 * time) instead of http-proxy and Node's HTTP client. Answers stream back with backpressure.
 * No policy, audit or metrics, no upgrades: it measures what the upstream leg costs with
 * another well-kept HTTP/1.1 client.
 *
 * Usage: node bench/lib/reference/undici-upstream.mjs CA CERT KEY SOCKET; prints `listening PORT`.
 */
import { Pool } from 'undici';
import { daemonSocket, NOT_FORWARDED, listen } from './tls-listener.mjs';

const pool = new Pool('http://docker', { socketPath: daemonSocket, connections: 256, pipelining: 1 });

listen((req, res) => {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) if (!NOT_FORWARDED.has(name) && value !== undefined) headers[name] = value;
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.dispatch(
    { method: req.method, path: req.url, headers, body: hasBody ? req : null },
    {
      onRequestStart() {},
      onResponseStart(controller, status, answer) {
        const out = [];
        for (const [name, value] of Object.entries(answer)) {
          if (NOT_FORWARDED.has(name)) continue;
          for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
        }
        res.writeHead(status, out);
        if (answer['content-length'] === undefined) res.flushHeaders();
        res.once('close', () => res.writableFinished || controller.abort(new Error('client went away')));
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) {
          controller.pause();
          res.once('drain', () => controller.resume());
        }
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError(_controller, err) {
        if (!res.headersSent) res.writeHead(502).end(String(err.message));
        else res.destroy(err);
      },
    },
  );
});
