/**
 * Requests the gateway makes on the daemon itself (inspect an object, list a tenant's
 * containers; remove a `--rm` container whose start it refused, auto-remove.ts), through the
 * same upstream as forwarded requests. Answers are small JSON documents; a capped size keeps a
 * misbehaving daemon from filling memory.
 */
import { request } from 'node:http';
import type { UpstreamTarget } from '../proxy/upstream-target.js';

/** A daemon answer: status, JSON-decoded body (undefined when not JSON), raw bytes. */
export interface DaemonAnswer {
  status: number;
  json: unknown;
  raw: Buffer;
  contentType: string;
}

/** Issues requests to the daemon. */
export interface DaemonClient {
  get(path: string): Promise<DaemonAnswer>;
  /**
   * A DELETE (auto-remove.ts). Optional so that read-only fakes in tests need not have it;
   * without it nothing is removed and the caller says so.
   */
  delete?(path: string): Promise<DaemonAnswer>;
}

const MAX_ANSWER = 64 * 1024 * 1024;

/** A client over `target` (its keep-alive agent and address). */
export function createDaemonClient(target: UpstreamTarget, timeoutMs = 30_000): DaemonClient {
  const send = (method: 'GET' | 'DELETE', path: string): Promise<DaemonAnswer> =>
    new Promise((resolve, reject) => {
      const req = request({ ...target.address, agent: target.agent, method, path, headers: { Host: 'docker', Accept: 'application/json' }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER) {
            res.destroy(new Error(`daemon answer to ${path} exceeds ${MAX_ANSWER} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          let json: unknown;
          try {
            json = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 502, json, raw, contentType: String(res.headers['content-type'] ?? '') });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`daemon request ${method} ${path} timed out`)));
      req.on('error', reject);
      req.end();
    });
  return { get: (path) => send('GET', path), delete: (path) => send('DELETE', path) };
}
