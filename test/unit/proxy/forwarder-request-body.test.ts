/**
 * Streamed request bodies through the real forwarder and a real ClientRequest (the coalescing
 * relay's production path), against a raw stand-in daemon that decodes the framing itself and
 * answers with the sha256 and length of the body it decoded: exact bytes for Content-Length and
 * chunked bodies, with a fast and a slow daemon, then the connection still usable; empty bodies,
 * 100-continue, a forward that starts after the body arrived, a client that leaves mid-body and a
 * daemon that answers before the body.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { whenSocketCloses } from '../../../src/http/socket-close.js';
import { forwarderRig } from './forwarder-rig.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Daemon = { bodies: Buffer[]; heads: string[]; raw: Buffer[]; closed: boolean[] };

/** Parse one request from `buf`; returns [head, body, consumed] or undefined if incomplete. */
function parseOne(buf: Buffer): [string, Buffer, number] | undefined {
  const h = buf.indexOf('\r\n\r\n');
  if (h < 0) return undefined;
  const head = buf.subarray(0, h).toString('latin1');
  let at = h + 4;
  const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const parts: Buffer[] = [];
    for (;;) {
      const e = buf.indexOf('\r\n', at);
      if (e < 0) return undefined;
      const n = parseInt(buf.subarray(at, e).toString('latin1'), 16);
      if (Number.isNaN(n)) throw new Error('bad chunk size ' + JSON.stringify(buf.subarray(at, e + 2).toString('latin1').slice(0, 40)));
      if (buf.length < e + 2 + n + 2) return undefined;
      if (n === 0) return [head, Buffer.concat(parts), e + 4];
      parts.push(buf.subarray(e + 2, e + 2 + n));
      if (buf.subarray(e + 2 + n, e + 4 + n).toString('latin1') !== '\r\n') throw new Error('bad chunk end');
      at = e + 4 + n;
    }
  }
  const n = cl ? Number(cl[1]) : 0;
  if (buf.length < at + n) return undefined;
  return [head, buf.subarray(at, at + n), at + n];
}

async function setup(opts: { slowDaemon?: boolean; forwardDelayMs?: number; earlyAnswer?: 'keep-reading' | 'close' } = {}) {
  const d: Daemon = { bodies: [], heads: [], raw: [], closed: [] };
  const counted: number[] = [];
  const { port } = await forwarderRig(
    cleanups,
    (s: Socket) => {
      const idx = d.closed.length;
      d.closed.push(false);
      s.on('close', () => (d.closed[idx] = true));
      let buf = Buffer.alloc(0);
      let answeredEarly = false;
      if (opts.slowDaemon) {
        // Reads a little, then stops: a daemon not taking data as fast as the client sends.
        const t = setInterval(() => {
          s.resume();
          setTimeout(() => s.pause(), 1);
        }, 10);
        s.on('close', () => clearInterval(t));
        s.pause();
      }
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (opts.earlyAnswer && !answeredEarly && buf.indexOf('\r\n\r\n') >= 0) {
          answeredEarly = true;
          s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nno\n');
          if (opts.earlyAnswer === 'close') s.destroy();
          return;
        }
        for (;;) {
          const r = parseOne(buf);
          if (!r) return;
          const [head, body, used] = r;
          d.heads.push(head);
          d.bodies.push(Buffer.from(body));
          buf = buf.subarray(used);
          const answer = `${sha(body)} ${body.length}`;
          s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`);
        }
      });
    },
    (forwarder, req, res) => {
      const ended = () => forwarder.ended(req, res);
      res.on('close', ended);
      whenSocketCloses(req.socket, ended);
      const go = () => {
        forwarder.forward(req, res, { onHeaders: () => undefined, onError: () => undefined }, req.url ?? '/');
        // As decide-and-forward.ts does for a streamed body.
        let n = 0;
        req.on('data', (c: Buffer) => (n += c.length));
        req.on('end', () => counted.push(n));
      };
      if (opts.forwardDelayMs) setTimeout(go, opts.forwardDelayMs);
      else go();
    },
  );
  return { port, d, counted };
}

/** A raw client: send `parts` with a macrotask between some, collect the answer text. */
function client(port: number) {
  const c = connect(port, '127.0.0.1');
  let got = Buffer.alloc(0);
  c.on('data', (b: Buffer) => (got = Buffer.concat([got, b])));
  c.on('error', () => undefined);
  return { c, got: () => got.toString('latin1') };
}
async function waitFor(f: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await sleep(5);
  }
  return f();
}

function body(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 10)) & 0xff;
  return b;
}

/** Write `b` in pieces of varying size, yielding a macrotask every few pieces. */
async function sendInPieces(c: Socket, b: Buffer, frame: (p: Buffer) => Buffer = (p) => p): Promise<void> {
  const sizes = [1, 16384, 300, 9000, 70000, 5, 16384, 16384, 16384, 131072];
  let at = 0;
  let i = 0;
  while (at < b.length) {
    const n = Math.min(sizes[i % sizes.length] as number, b.length - at);
    if (!c.write(frame(b.subarray(at, at + n)))) await new Promise((r) => c.once('drain', r));
    at += n;
    if (++i % 3 === 0) await sleep(0);
  }
}

const chunk = (p: Buffer) => Buffer.concat([Buffer.from(p.length.toString(16) + '\r\n'), p, Buffer.from('\r\n')]);

describe('request bodies through the forwarder', () => {
  for (const slowDaemon of [false, true]) {
    for (const framing of ['content-length', 'chunked'] as const) {
      it(`${framing}, ${slowDaemon ? 'slow' : 'fast'} daemon: exact bytes, then a keep-alive GET`, async () => {
        const { port, d, counted } = await setup({ slowDaemon });
        const b = body(3 * 1024 * 1024 + 12345);
        const { c, got } = client(port);
        const hdr = framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${b.length}`;
        c.write(`POST /build HTTP/1.1\r\nHost: x\r\n${hdr}\r\n\r\n`);
        await sendInPieces(c, b, framing === 'chunked' ? chunk : undefined);
        if (framing === 'chunked') c.write('0\r\n\r\n');
        expect(await waitFor(() => got().includes(sha(b)), 20000)).toBe(true);
        c.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(await waitFor(() => d.bodies.length === 2 && /200 OK[\s\S]*200 OK/.test(got()))).toBe(true);
        expect(d.bodies[0]!.equals(b)).toBe(true);
        expect(d.bodies[1]!.length).toBe(0);
        expect(counted[0]).toBe(b.length);
        c.destroy();
      });
    }
  }

  it('empty Content-Length body, GET without body, Expect: 100-continue', async () => {
    const { port, d } = await setup();
    const { c, got } = client(port);
    c.write('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    expect(await waitFor(() => d.bodies.length === 1)).toBe(true);
    c.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await waitFor(() => d.bodies.length === 2)).toBe(true);
    c.write('POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    expect(await waitFor(() => got().includes('100 Continue'))).toBe(true);
    c.write('hello');
    expect(await waitFor(() => d.bodies.length === 3)).toBe(true);
    expect(d.bodies[2]!.toString()).toBe('hello');
    expect(d.heads[2]).not.toMatch(/expect/i);
    c.destroy();
  });

  it('forward after the body already arrived (an async admission, e.g. tenancy)', async () => {
    const { port, d, counted } = await setup({ forwardDelayMs: 50 });
    const { c } = client(port);
    c.write('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    expect(await waitFor(() => d.bodies.length === 1, 2000)).toBe(true);
    c.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await waitFor(() => d.bodies.length === 2, 2000)).toBe(true);
    expect(counted).toEqual([5, 0]);
    c.destroy();
  });

  it('client aborts mid chunked body: the daemon never sees a complete body', async () => {
    const { port, d } = await setup();
    const { c } = client(port);
    c.write('POST /build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    await sendInPieces(c, body(200000), chunk);
    await sleep(20);
    c.destroy();
    expect(await waitFor(() => d.closed.every(Boolean) && d.closed.length === 1, 3000)).toBe(true);
    expect(d.bodies.length).toBe(0);
  });

  for (const earlyAnswer of ['keep-reading', 'close'] as const) {
    it(`daemon answers 400 before the body (${earlyAnswer}): client gets the 400, no hang`, async () => {
      const { port } = await setup({ earlyAnswer });
      const { c, got } = client(port);
      c.write('POST /build HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n');
      await sendInPieces(c, body(2000000).subarray(0, 500000));
      const ok = await waitFor(() => got().includes('400 Bad Request') || got().includes('502'), 3000);
      expect(ok).toBe(true);
      c.destroy();
    });
  }
});
