/**
 * What the naive proxy (naive-proxy.mjs) and the reference servers share: Node's https server
 * verifying client certificates as dockgate does (bench CA, server certificate, TLS 1.2 or
 * later), no timeouts, `listening PORT` on stdout once bound, exit on SIGTERM.
 *
 * Usage: `listen((req, res) => ...)` returns the server; argv is CA CERT KEY [SOCKET].
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

/** Paths from argv: CA, server certificate, server key, and the daemon's socket (if any). */
export const [caFile, certFile, keyFile, daemonSocket] = process.argv.slice(2);

/**
 * Start the mTLS listener on loopback with `handler` as its request listener: on
 * BENCH_LISTEN_PORT when set (servers.mjs passes one of BENCH_PORTS), else on a free port.
 */
export function listen(handler) {
  const server = createServer(
    { ca: readFileSync(caFile), cert: readFileSync(certFile), key: readFileSync(keyFile), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    handler,
  );
  server.timeout = 0;
  server.requestTimeout = 0;
  server.listen(Number(process.env.BENCH_LISTEN_PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
  process.on('SIGTERM', () => process.exit(0));
  return server;
}

/** Header names (lower case) not passed on: hop-by-hop ones and Host (each side frames its own connection). */
export const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer', 'te', 'host']);
