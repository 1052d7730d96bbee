/**
 * The daemon health probe: `GET /_ping` over the configured socket, with a hard timeout.
 * Used by `/readyz` and the `dockgate_upstream_up` gauge.
 */
import http from 'node:http';
import type { Upstream } from '../config/types.js';

/** Result of one probe; `seconds` is the time until the answer (or the failure). */
export interface PingResult {
  ok: boolean;
  seconds: number;
  /** Why the probe failed (status, error code or timeout). */
  detail?: string;
  /** The OS error code of a probe that failed with one (`ENOENT`, `ECONNREFUSED`): not of a timeout or a status. */
  code?: string;
  /** The answer's `API-Version` header: the daemon's newest API version. */
  apiVersion?: string;
}

/** Connection options for `upstream`: a unix socket or named pipe path, or TCP host and port. */
function target(upstream: Upstream): http.RequestOptions {
  return upstream.kind === 'tcp' ? { host: upstream.host, port: upstream.port } : { socketPath: upstream.path };
}

/** Ping the daemon; resolves (never rejects) within about `timeoutMs`. OK means status 200. */
export function pingUpstream(upstream: Upstream, timeoutMs: number): Promise<PingResult> {
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PingResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = http.request(
      { ...target(upstream), method: 'GET', path: '/_ping', headers: { host: 'dockgate' }, agent: false },
      (res) => {
        // Drain the tiny body so the socket closes cleanly; the status is what counts.
        res.resume();
        res.on('end', () => {
          const ok = res.statusCode === 200;
          const header = res.headers['api-version'];
          const apiVersion = typeof header === 'string' ? { apiVersion: header } : {};
          finish(ok ? { ok, seconds: elapsed(), ...apiVersion } : { ok, seconds: elapsed(), detail: `status ${res.statusCode}` });
        });
        res.on('error', (err) => finish({ ok: false, seconds: elapsed(), detail: err.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, seconds: elapsed(), detail: `timeout after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, seconds: elapsed(), detail: err.code ?? err.message, ...(err.code === undefined ? {} : { code: err.code }) }));
    req.end();
  });
}
