/** Minimal Engine API calls on the daemon's unix socket, for fixtures (not measured). */
import { request } from 'node:http';

/**
 * Call the API; resolves { status, body, bytes } with the body parsed as JSON when it is JSON
 * (`bytes`: the body's length as sent, for the bench's byte-count references). With
 * `timeoutMs`, a call the daemon does not answer in time rejects instead of waiting for ever.
 */
export function api(socket, method, path, body, { timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {};
    const req = request({ socketPath: socket, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString();
        let parsed = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: res.statusCode, body: parsed, bytes: raw.length });
      });
    });
    req.on('error', reject);
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.end(data);
  });
}

/** Like `api`, but throws unless the status is 2xx. */
export async function apiOk(socket, method, path, body) {
  const r = await api(socket, method, path, body);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
