/**
 * Reference server `node-floor` (bench/layers.mjs): Node's https server answering every request
 * itself with the bytes dockerd answers `GET /_ping` with, without a daemon behind it. What it
 * costs per request is the least any Node gateway can cost: TLS, Node's HTTP server and one
 * answer, nothing upstream.
 *
 * Usage: node bench/lib/reference/node-floor.mjs CA CERT KEY; prints `listening PORT`.
 */
import { listen } from './tls-listener.mjs';

const HEADERS = {
  'Api-Version': '1.41',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  'Content-Type': 'text/plain; charset=utf-8',
  'Docker-Experimental': 'false',
  Ostype: 'linux',
  Pragma: 'no-cache',
  Server: 'Docker/20.10.24+dfsg1 (linux)',
  'Content-Length': '2',
};

listen((_req, res) => {
  res.writeHead(200, HEADERS);
  res.end('OK');
});
