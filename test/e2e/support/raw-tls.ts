/**
 * A raw HTTP/1.1-over-TLS client for end-to-end tests: it sends exactly the bytes a test
 * writes (odd framing, duplicate headers, unclean paths, bodies the docker CLI never sends)
 * over a real mutual-TLS connection made with a `dockgate certs` client bundle, and parses
 * the responses itself, so nothing between the test and the gateway normalises the request.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectUnix, connect as connectTcp, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect } from 'node:tls';

/** One parsed HTTP/1.1 response. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body, de-chunked when the response was chunked. */
  body: Buffer;
  /** `body` as UTF-8. */
  text: string;
}

/** Options of one request built by `httpRequest`. */
export interface RequestSpec {
  method: string;
  target: string;
  /** Header lines in order, written as given (duplicates allowed). `Host` is added if absent. */
  headers?: [string, string][];
  /** Written as is after the header block; framing headers are the test's business. */
  body?: string | Buffer;
}

/** Serialise a request exactly as specified (no Content-Length is added). */
export function httpRequest(spec: RequestSpec): Buffer {
  const headers = spec.headers ?? [];
  const lines = [`${spec.method} ${spec.target} HTTP/1.1`];
  if (!headers.some(([k]) => k.toLowerCase() === 'host')) lines.push('Host: dockgate');
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return spec.body === undefined ? head : Buffer.concat([head, Buffer.from(spec.body)]);
}

/** A JSON request with a correct Content-Length (the common case). */
export function jsonRequest(method: string, target: string, body: string, contentType = 'application/json'): Buffer {
  return httpRequest({ method, target, headers: [['Content-Type', contentType], ['Content-Length', String(Buffer.byteLength(body))]], body });
}

/** Encode `body` as one or more HTTP chunks of at most `size` bytes, with the final chunk. */
export function chunked(body: string | Buffer, size = 7): Buffer {
  const bytes = Buffer.from(body);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const piece = bytes.subarray(i, i + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/**
 * A connection (TLS to the gateway, or the daemon's unix socket for comparison) that writes
 * raw bytes and reads responses in order.
 */
export class RawConnection {
  /** Bytes received and not yet consumed, joined into one buffer when read (`buffer`). */
  private joined: Buffer = Buffer.alloc(0);
  /**
   * Chunks received since `joined` was last made. Joined only when read: joining each chunk as it
   * came copied the whole buffer each time, quadratic in the answer's size (6.8 s for a 9 MB
   * list on a busy machine; a read of one timed out).
   */
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private ended = false;
  private waiters: (() => void)[] = [];
  /** Resolves when the server closed (or reset) the connection. */
  readonly closed: Promise<void>;
  /** The local TCP port (undefined on a unix socket), kept: the socket forgets it once closed. */
  readonly localPort: number | undefined;
  /** When the connection was up (ms since the epoch): its requests' audit records start no earlier. */
  readonly openedAt = Date.now();

  private constructor(
    readonly socket: Duplex,
    /** The TCP connection under a TLS one (to reset it). */
    private readonly tcp?: Socket,
  ) {
    this.localPort = (socket as Socket).localPort;
    socket.on('data', (d: Buffer) => {
      this.received.push(d);
      this.receivedBytes += d.length;
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        this.ended = true;
        this.wake();
        resolve();
      };
      socket.once('end', done);
      socket.once('close', done);
      socket.on('error', done);
    });
  }

  /**
   * Connect to 127.0.0.1:`port` with the client bundle in directory `bundle`, verifying the
   * server certificate against the bundle's CA (and its IP SAN).
   */
  static tls(bundle: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const tcp = connectTcp(port, '127.0.0.1');
      tcp.on('error', () => undefined);
      const socket = connect({
        socket: tcp,
        host: '127.0.0.1',
        ca: readFileSync(join(bundle, 'ca.pem')),
        cert: readFileSync(join(bundle, 'cert.pem')),
        key: readFileSync(join(bundle, 'key.pem')),
        ALPNProtocols: ['http/1.1'],
      });
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket, tcp));
      });
      socket.once('error', reject);
    });
  }

  /** Connect to a unix socket (the daemon, to compare what it answers to the same bytes). */
  static unix(path: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connectUnix(path);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** True once the server closed the connection. */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Write raw bytes (ignored once the connection is gone). */
  write(bytes: string | Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  /** Close our side. */
  close(): void {
    this.socket.destroy();
  }

  /**
   * Leave with a TCP reset, not a FIN: for a TLS connection, what the gateway can tell from a
   * client that only closed its sending side (on an upgrade, the end of its stdin).
   */
  reset(): void {
    if (this.tcp) this.tcp.resetAndDestroy();
    else this.socket.destroy();
  }

  /** The bytes received and not yet consumed, as one buffer. */
  private get buffer(): Buffer {
    if (this.received.length > 0) {
      this.joined = Buffer.concat([this.joined, ...this.received]);
      this.received = [];
      this.receivedBytes = 0;
    }
    return this.joined;
  }

  /** What is left of `buffer` once a part is consumed (taken from `buffer`, so nothing is pending). */
  private set buffer(rest: Buffer) {
    this.joined = rest;
    this.received = [];
    this.receivedBytes = 0;
  }

  /** How many bytes `buffer` holds, without joining them. */
  private get bufferedLength(): number {
    return this.joined.length + this.receivedBytes;
  }

  /** Bytes received and not yet consumed by `response()` (e.g. after a 101). */
  takeBuffered(): Buffer {
    const b = this.buffer;
    this.buffer = Buffer.alloc(0);
    return b;
  }

  /** Wait for more data or the end, up to `until`. */
  private async more(until: number): Promise<void> {
    if (this.ended) throw new Error(`connection closed; received so far: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
    const left = until - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for a response; received so far: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Read the next response. `head` is true for a response to HEAD (no body). A 101 response
   * ends at its header block; the bytes after it stay buffered for `takeBuffered()`.
   */
  async response(opts: { timeoutMs?: number; head?: boolean } = {}): Promise<RawResponse> {
    const until = Date.now() + (opts.timeoutMs ?? 15_000);
    let end: number;
    while ((end = this.buffer.indexOf('\r\n\r\n')) < 0) await this.more(until);
    const headText = this.buffer.subarray(0, end).toString('latin1');
    this.buffer = this.buffer.subarray(end + 4);
    const [statusLine = '', ...lines] = headText.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const k = line.slice(0, colon).trim().toLowerCase();
      const v = line.slice(colon + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
    let body: Buffer;
    if (opts.head || status === 101 || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
    } else if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      body = await this.chunkedBody(until);
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      while (this.bufferedLength < n) await this.more(until);
      body = this.buffer.subarray(0, n);
      this.buffer = this.buffer.subarray(n);
    } else {
      // Close-delimited body.
      while (!this.ended) {
        try {
          await this.more(until);
        } catch (err) {
          if (!this.ended) throw err;
        }
      }
      body = this.takeBuffered();
    }
    return { status, headers, body, text: body.toString('utf8') };
  }

  private async chunkedBody(until: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      let eol: number;
      while ((eol = this.buffer.indexOf('\r\n')) < 0) await this.more(until);
      const size = parseInt(this.buffer.subarray(0, eol).toString('latin1'), 16);
      this.buffer = this.buffer.subarray(eol + 2);
      if (size === 0) {
        // Trailers (none expected) end with an empty line.
        let t: number;
        while ((t = this.buffer.indexOf('\r\n')) < 0) await this.more(until);
        this.buffer = this.buffer.subarray(t + 2);
        return Buffer.concat(parts);
      }
      while (this.bufferedLength < size + 2) await this.more(until);
      parts.push(this.buffer.subarray(0, size));
      this.buffer = this.buffer.subarray(size + 2);
    }
  }
}

/**
 * Write `n` bytes of request body, honouring back-pressure, until done or the connection ends.
 * Resolves with the bytes handed to the socket.
 */
export async function writeBody(conn: RawConnection, n: number): Promise<number> {
  const piece = Buffer.alloc(256 * 1024, 0x61);
  let written = 0;
  while (written < n && !conn.isClosed && !conn.socket.destroyed) {
    const chunk = piece.subarray(0, Math.min(piece.length, n - written));
    written += chunk.length;
    if (!conn.socket.write(chunk)) await Promise.race([once(conn.socket, 'drain'), conn.closed]);
  }
  return written;
}

/**
 * Send a `method target` request of `contentType` with an `n`-byte body (Content-Length framed),
 * reading nothing until all of it is written (as python's docker SDK does), then read the
 * response. Throws if the server closed first.
 */
export async function writeAllThenRead(conn: RawConnection, method: string, target: string, contentType: string, n: number): Promise<RawResponse> {
  conn.socket.pause();
  conn.write(httpRequest({ method, target, headers: [['Content-Type', contentType], ['Content-Length', String(n)]] }));
  const written = await writeBody(conn, n);
  if (written < n) throw new Error(`connection closed after ${written} of ${n} body bytes were written`);
  conn.socket.resume();
  return conn.response();
}

/** Open a TLS connection to the gateway, send `request`, read one response, close. */
export async function rawExchange(bundle: string, port: number, request: Buffer, opts: { timeoutMs?: number; head?: boolean } = {}): Promise<RawResponse> {
  return exchangeOn(await RawConnection.tls(bundle, port), request, opts);
}

/** The same over the daemon's unix socket (what dockerd itself answers). */
export async function rawExchangeUnix(path: string, request: Buffer, opts: { timeoutMs?: number; head?: boolean } = {}): Promise<RawResponse> {
  return exchangeOn(await RawConnection.unix(path), request, opts);
}

async function exchangeOn(conn: RawConnection, request: Buffer, opts: { timeoutMs?: number; head?: boolean }): Promise<RawResponse> {
  try {
    conn.write(request);
    return await conn.response(opts);
  } finally {
    conn.close();
  }
}

/** Wait until `conn` is closed by its server (rejects after `ms`, default 10 s: "socket left open"). */
export function closedByServer(conn: RawConnection, ms = 10_000): Promise<void> {
  return Promise.race([conn.closed, new Promise<void>((_, rej) => setTimeout(() => rej(new Error('socket left open')), ms))]);
}
