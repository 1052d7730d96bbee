/**
 * Raw HTTPS requests and bare TLS handshakes against the gateway, for what the docker CLI
 * cannot send (odd names, chosen headers) and for counting handshake failures one by one.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { join } from 'node:path';

/** A finished HTTPS exchange. */
export interface TlsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Client material of a bundle directory (`ca.pem`, `cert.pem`, `key.pem`). */
function material(bundle: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  return { ca: readFileSync(join(bundle, 'ca.pem')), cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')) };
}

/** Send one request to the gateway on 127.0.0.1:`port` with the client certificate of `bundle` (a fresh connection). */
export function tlsRequest(
  bundle: string,
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number },
): Promise<TlsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.headers,
        ...material(bundle),
        agent: false,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${opts.path} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Open one TLS connection to 127.0.0.1:`port` that verifies the server with `caFile`, presenting
 * `client` (cert and key files) or no certificate at all, and send `GET path` on it (a path that
 * answers 200 to an accepted client). Resolves
 * with what happened: the server must refuse such handshakes, so a `rejected` outcome is expected.
 */
export function tlsAttempt(port: number, caFile: string, client?: { cert: string; key: string }, path = '/_ping'): Promise<{ rejected: boolean; detail: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (rejected: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ rejected, detail });
    };
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(caFile),
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    });
    // In TLS 1.3 the client finishes its side before the server checks the certificate, so the
    // refusal arrives as an alert (or a close) after 'secureConnect': send a request and wait.
    socket.on('secureConnect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', (err) => done(true, err.message));
    socket.on('close', () => done(!data.startsWith('HTTP/1.1 200'), data || 'closed'));
    socket.setTimeout(10_000, () => done(false, 'timeout'));
  });
}
