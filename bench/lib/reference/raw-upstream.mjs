/**
 * Reference server `raw-upstream` (bench/layers.mjs): Node's https server forwarding bodiless
 * `GET`s to the daemon over kept unix-socket connections with a minimal hand-written HTTP/1.1
 * client (request line, the client's end-to-end headers, an answer framed by Content-Length).
 * It answers anything else 501. Not a product: it has no chunked decoding, no streaming and no
 * hardening against a hostile upstream. It shows how little the upstream leg can cost in Node
 * when nothing general-purpose sits on it.
 *
 * Usage: node bench/lib/reference/raw-upstream.mjs CA CERT KEY SOCKET; prints `listening PORT`.
 */
import { connect } from 'node:net';
import { daemonSocket, NOT_FORWARDED, listen } from './tls-listener.mjs';

/** Connections to the daemon that finished an exchange and can take the next one. */
const idle = [];
const HEAD_LIMIT = 64 * 1024;

function withConnection(use) {
  const kept = idle.pop();
  if (kept) return use(kept);
  const socket = connect(daemonSocket, () => use(socket));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    const i = idle.indexOf(socket);
    if (i >= 0) idle.splice(i, 1);
  });
}

/** Send a GET and call `done(err, status, headers, body)` with a Content-Length-framed answer. */
function get(target, requestHead, done) {
  withConnection((socket) => {
    let buf;
    const fail = (why) => {
      socket.off('data', onData);
      socket.destroy();
      done(new Error(why));
    };
    const onData = (piece) => {
      buf = buf ? Buffer.concat([buf, piece]) : piece;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return buf.length > HEAD_LIMIT ? fail('answer head too long') : undefined;
      const lines = buf.toString('latin1', 0, end).split('\r\n');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '');
      if (!status) return fail('not an HTTP/1.1 answer');
      const headers = [];
      let length;
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon);
        const value = line.slice(colon + 1).trim();
        const lower = name.toLowerCase();
        if (lower === 'transfer-encoding') return fail('chunked answers are not handled');
        if (lower === 'content-length') {
          if (!/^\d{1,15}$/.test(value) || length !== undefined) return fail('bad Content-Length');
          length = Number(value);
        }
        if (!NOT_FORWARDED.has(lower)) headers.push(name, value);
      }
      if (length === undefined) return fail('answer without Content-Length');
      if (buf.length < end + 4 + length) return undefined;
      if (buf.length > end + 4 + length) return fail('bytes after the answer');
      socket.off('data', onData);
      idle.push(socket);
      done(undefined, Number(status[1]), headers, buf.subarray(end + 4));
    };
    socket.on('data', onData);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: docker\r\n${requestHead}\r\n`);
  });
}

listen((req, res) => {
  if (req.method !== 'GET' || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    res.writeHead(501).end('raw-upstream forwards bodiless GETs only\n');
    return;
  }
  let head = '';
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!NOT_FORWARDED.has(req.rawHeaders[i].toLowerCase())) head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
  }
  get(req.url, head, (err, status, headers, body) => {
    if (err) {
      res.writeHead(502).end(`${err.message}\n`);
      return;
    }
    res.writeHead(status, headers);
    res.end(body);
  });
});
