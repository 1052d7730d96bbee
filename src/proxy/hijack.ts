/**
 * Hijacked connections (`docker attach`, `docker exec`, `/session`): the request is sent to the
 * daemon on a fresh connection, and only when the daemon answers 101 do the two sockets become
 * a raw two-way pipe (with half-close, so `echo hi | docker exec -i c cat` ends). A client that
 * sent its stdin and closed its sending side before the 101 (a script that writes everything at
 * once, then `shutdown(SHUT_WR)`) gets its session too: its bytes go to the daemon after the
 * 101, in order, then the daemon's side is ended (stdin EOF). Any other
 * answer is relayed as a normal response and the client connection is closed: a refused or
 * failed upgrade never leaves a tunnel behind.
 */
import { request, type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { writeRawDockerError, type ExtraHeaders } from '../http/docker-error.js';
import { endRawSocket } from '../http/end-raw-socket.js';
import { defaultHostHeader, hasHostHeader } from './default-host.js';
import { noteStreamed } from './stream-buffer-pacing.js';
import type { UpstreamTarget } from './upstream-target.js';
import { upstreamErrorKind, type UpstreamErrorKind } from './upstream-errors.js';

/** What a hijack reports back to the caller. */
export interface HijackHooks {
  /** The daemon answered (101 or otherwise). */
  onHeaders(status: number): void;
  /** The exchange is over; byte counts are of the raw tunnel (or the relayed answer). */
  onEnd(result: HijackResult): void;
}

/** How a hijack ended. */
export interface HijackResult {
  bytesIn: number;
  bytesOut: number;
  error?: string;
  /**
   * Set when the daemon request failed before any answer and the gateway answered 502 for it:
   * `unreachable` (no connection could be made) or `failed` (it was made and broke), as the
   * request path classifies them (upstream-errors.ts).
   */
  upstream?: UpstreamErrorKind;
}

/** The upgrade request as the client sent it. */
export interface HijackRequest {
  method: string;
  target: string;
  /**
   * The client's header lines as it sent them (`rawHeaders`: name, value, ...). Forwarded as
   * they are: a header sent several times stays several lines, which dockerd reads as several
   * values (the BuildKit session lists its gRPC methods in one
   * `X-Docker-Expose-Session-Grpc-Method` line each; joined into one, the session offers none).
   */
  rawHeaders: readonly string[];
  /** Request body the gateway already read (exec start's JSON). */
  body?: Buffer;
  /** Bytes the client sent after the request (already stdin data). */
  head: Buffer;
  /** Headers the gateway adds to whatever answer the client gets (101, a relayed refusal, 502). */
  answerHeaders: ExtraHeaders;
}

const MAX_RELAYED_ERROR = 1024 * 1024;

/** onEnd's `error` when the client had gone before anything was sent to the daemon. */
export const GONE_BEFORE_SENT = 'client connection closed before the upgrade was sent';

/** onEnd's `error` when the client went while the daemon's answer was awaited (the daemon request is dropped). */
export const GONE_BEFORE_ANSWER = 'client connection closed before the upgrade completed';

function rawHead(statusLine: string, rawHeaders: string[], added: ExtraHeaders): string {
  let head = statusLine + '\r\n';
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  for (const name in added) head += `${name}: ${added[name]}\r\n`;
  return head + '\r\n';
}

/** Relay a non-101 answer to an upgrade request as a complete response, then close. */
function relayRefusal(res: IncomingMessage, client: Duplex, added: ExtraHeaders, done: (bytesOut: number) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_RELAYED_ERROR) chunks.push(c);
  });
  res.on('end', () => {
    const body = Buffer.concat(chunks);
    const headers: string[] = [];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const name = (res.rawHeaders[i] as string).toLowerCase();
      if (['content-length', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive'].includes(name)) continue;
      headers.push(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
    }
    // No `Connection: close` although the connection is closed after it: with it, the 20.10
    // CLI takes the body for the stream (docker-error.ts, writeRawDockerError).
    headers.push('Content-Length', String(body.length));
    const status = res.statusCode ?? 502;
    const head = rawHead(`HTTP/1.1 ${status} ${res.statusMessage || STATUS_CODES[status] || ''}`, headers, added);
    endRawSocket(client, Buffer.concat([Buffer.from(head, 'latin1'), body]));
    done(head.length + body.length);
  });
  res.on('error', () => {
    client.destroy();
    done(0);
  });
}

/** Carry one upgrade request to the daemon and, on 101, pipe the two connections together. */
export function hijack(target: UpstreamTarget, req: HijackRequest, client: Duplex, hooks: HijackHooks): void {
  let finished = false;
  const finish = (result: HijackResult): void => {
    if (finished) return;
    finished = true;
    hooks.onEnd(result);
  };
  // The client may be gone already (revoked, shutdown, or it left during admission): nothing
  // is sent to the daemon.
  if (client.destroyed) {
    finish({ bytesIn: 0, bytesOut: 0, error: GONE_BEFORE_SENT });
    return;
  }
  const headers: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    // The body (read whole before the decision, its framing checked) is sent as read, with
    // its length: always a Content-Length, since with an array of headers Node writes the
    // head before the body and would otherwise frame it in chunks the client never sent.
    if (/^(?:transfer-encoding|content-length)$/i.test(name)) continue;
    headers.push(name, req.rawHeaders[i + 1] as string);
  }
  // An HTTP/1.0 request may come without Host; the one Node's client would write on the request path.
  if (!hasHostHeader(req.rawHeaders)) headers.push('Host', defaultHostHeader(target.address));
  const bodiless = req.method === 'GET' || req.method === 'HEAD';
  if (!bodiless || req.body) headers.push('Content-Length', String(req.body?.length ?? 0));
  const upstreamReq = request({ ...target.address, method: req.method, path: req.target, headers, agent: false });

  let upgraded = false;
  // Until the daemon answers, a client that goes (it left, or the gateway cut it: revocation,
  // shutdown) takes the pending upgrade with it, so no session is opened behind a dead client.
  // One that only closed its sending side (the caller keeps the socket half-open) stays. A reset
  // is the client going too: ended here, before the daemon request's own error (which follows
  // from dropping it) could be taken for an unreachable daemon and answered 502.
  const clientGone = (): void => {
    if (upgraded) return;
    upstreamReq.destroy();
    finish({ bytesIn: 0, bytesOut: 0, error: GONE_BEFORE_ANSWER });
  };
  client.once('close', clientGone);
  client.on('error', clientGone);

  upstreamReq.on('upgrade', (res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) => {
    if (finished) {
      upstream.destroy();
      return;
    }
    upgraded = true;
    hooks.onHeaders(res.statusCode ?? 101);
    const head = rawHead(`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? 'Switching Protocols'}`, res.rawHeaders, req.answerHeaders);
    let bytesIn = req.head.length;
    let bytesOut = head.length + upstreamHead.length;
    client.write(head, 'latin1');
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (req.head.length > 0) upstream.write(req.head);
    // Half-close: when the client stops sending (stdin EOF), end only the daemon's side of the pipe.
    (client as Duplex & { allowHalfOpen: boolean }).allowHalfOpen = true;
    (upstream as Duplex & { allowHalfOpen: boolean }).allowHalfOpen = true;
    client.on('data', (c: Buffer) => {
      bytesIn += c.length;
      noteStreamed(c.length);
    });
    upstream.on('data', (c: Buffer) => {
      bytesOut += c.length;
      noteStreamed(c.length);
    });
    // The client's bytes in order: those read with the request (`req.head`, written above), those
    // still buffered in the paused socket, then its end (pipe also ends the daemon's side of a
    // client whose end was read before the 101).
    client.pipe(upstream);
    upstream.pipe(client);
    const teardown = (error?: Error): void => {
      upstream.destroy();
      client.destroy();
      finish({ bytesIn, bytesOut, error: error?.message });
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', () => teardown());
    upstream.on('close', () => {
      // Let buffered output reach the client before the connection goes.
      if (!client.destroyed) client.end();
      if (client.writableFinished || client.destroyed) teardown();
      else client.once('finish', () => teardown());
    });
  });

  upstreamReq.on('response', (res: IncomingMessage) => {
    if (finished) {
      res.destroy();
      return;
    }
    hooks.onHeaders(res.statusCode ?? 502);
    relayRefusal(res, client, req.answerHeaders, (bytesOut) => finish({ bytesIn: 0, bytesOut }));
  });

  upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
    // After the client went, the request was destroyed on purpose: nothing to report.
    if (finished) return;
    hooks.onHeaders(502);
    // A connection never made is `unreachable`; one the daemon reset or closed before its answer
    // is `failed`, as on the request path (a reset was counted `unreachable` here: rev-fix-ver V3).
    const upstream = upstreamErrorKind(err);
    const bytesOut = writeRawDockerError(client, 502, `dockgate: upstream ${target.name} ${upstream}: ${err.code ?? err.message}`, req.answerHeaders);
    // The OS error code where there is one (ENOENT, ECONNREFUSED), as the request path reports it.
    finish({ bytesIn: 0, bytesOut, error: err.code ?? err.message, upstream });
  });

  upstreamReq.end(req.body);
}
