/**
 * One request to a bench target outside the load generator, to read an answer's body (the
 * bench checks, e.g., why the gateway refused): over TLS with a client bundle
 * (ca.pem, cert.pem, key.pem), or on the daemon's unix socket.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

/** Resolves { status, text } of one request; `body` is a Buffer or string. */
export function oneRequest(target, bundle, { method = 'GET', path, body, contentType }) {
  const headers = {};
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
  if (contentType) headers['Content-Type'] = contentType;
  const opts = target.unix
    ? { socketPath: target.unix, method, path, headers }
    : {
        host: '127.0.0.1', port: target.port, method, path, headers, agent: false,
        ca: readFileSync(join(bundle, 'ca.pem')), cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')),
      };
  return new Promise((resolve, reject) => {
    const req = (target.unix ? httpRequest : httpsRequest)(opts, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
