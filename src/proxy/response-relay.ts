/**
 * Relays the daemon's answer to the client: its head without hop-by-hop headers, joined by the
 * gateway's own, then the body in one write when small and of known length, else as a stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { relayCoalesced } from './coalescing-relay.js';

// Hop-by-hop response headers: Node frames the response to the client itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer', 'te']);

/**
 * The daemon's response headers without hop-by-hop ones, as a flat [name, value, ...] list. A
 * 204 or 304 has no body, whatever its head says: its `Content-Length` is not passed on either
 * (Node writes the headers it is given as they are), so the client is not told of a body that
 * neither the gateway nor dockerd sends (dockerd never writes one there; found by the tunnels
 * review with a stand-in upstream that did).
 */
function responseHeaders(proxyRes: IncomingMessage): string[] {
  const raw = proxyRes.rawHeaders;
  const noBody = proxyRes.statusCode === 204 || proxyRes.statusCode === 304;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !(noBody && lower === 'content-length')) out.push(name, raw[i + 1] as string);
  }
  return out;
}

/**
 * Small answers with a known length are sent with one write (head, body and end together):
 * at most this many bytes are held, less than a pipe would buffer anyway.
 */
const SINGLE_WRITE_LIMIT = 64 * 1024;

/** Relay the daemon's response to the client: one write for small answers, a stream otherwise. */
export function relayResponse(proxyRes: IncomingMessage, res: ServerResponse, endWith?: () => Promise<Buffer | undefined>): void {
  // A watched answer may get bytes added before its end: never framed by the daemon's length.
  const headers = endWith ? withoutLength(responseHeaders(proxyRes)) : responseHeaders(proxyRes);
  // Headers set on the answer beforehand join the flat list. The gateway's own answers set none
  // (their request id is added as the head is written: gateway-response.ts), so writeHead finds
  // no header table and writes the list as it is, repeated daemon headers included.
  for (const name of res.getHeaderNames()) {
    const value = res.getHeader(name);
    res.removeHeader(name);
    for (const v of Array.isArray(value) ? value : [value]) headers.push(name, String(v));
  }
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  const length = proxyRes.headers['content-length'];
  if (endWith) {
    relayCoalesced(proxyRes, res, { headWithoutBody: true, endWith });
    return;
  }
  if (length === undefined || Number(length) > SINGLE_WRITE_LIMIT) {
    // A stream (logs -f, events, wait), an answer dockerd framed in chunks (most JSON answers
    // over 2 KiB) or a large one. The head goes out with the body's first piece when that came
    // in the same read, else on its own before the event loop waits for more.
    relayCoalesced(proxyRes, res, { headWithoutBody: true });
    return;
  }
  const chunks: Buffer[] = [];
  proxyRes.on('data', (c: Buffer) => chunks.push(c));
  proxyRes.on('end', () => res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
}

/** A flat header list without `Content-Length`. */
function withoutLength(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() !== 'content-length') out.push(headers[i] as string, headers[i + 1] as string);
  }
  return out;
}
