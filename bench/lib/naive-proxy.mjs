/**
 * The `node-proxy` bench target: the naive Node.js gateway issue 7 measures dockgate against,
 * i.e. what "an mTLS listener in front of docker.sock with http-proxy" is before any policy,
 * audit or metrics: Node's https server verifying client certificates, http-proxy with a
 * keep-alive agent to the socket, default response handling, and upgrades (exec/attach
 * hijacks) piped raw to a fresh daemon connection. It shows how much of dockgate's cost is
 * Node's own HTTP and TLS stack.
 *
 * Usage: node bench/lib/naive-proxy.mjs CA CERT KEY SOCKET; prints `listening PORT`.
 */
import { Agent } from 'node:http';
import { connect } from 'node:net';
import httpProxy from 'http-proxy';
import { daemonSocket as socketPath, listen } from './reference/tls-listener.mjs';

const agent = new Agent({ keepAlive: true });
const proxy = httpProxy.createProxyServer({ target: { socketPath, protocol: 'http:' }, agent, proxyTimeout: 0 });
// The one fix no Docker proxy can skip: send response headers at once, or `docker run` (which
// waits for the headers of /wait) and idle /events streams hang. http-proxy sets the headers
// synchronously after this event; flush them right after.
proxy.on('proxyRes', (_proxyRes, _req, res) => process.nextTick(() => res.headersSent || res.flushHeaders()));
proxy.on('error', (_err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502).end();
  else res.destroy();
});

const server = listen((req, res) => proxy.web(req, res));
// http-proxy's ws() only takes WebSocket upgrades; Docker's hijack is `Upgrade: tcp`.
server.on('upgrade', (req, client, head) => {
  const daemon = connect(socketPath, () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    daemon.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) daemon.write(head);
    client.pipe(daemon);
    daemon.pipe(client);
  });
  daemon.on('error', () => client.destroy());
  client.on('error', () => daemon.destroy());
});
