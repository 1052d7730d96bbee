/**
 * relayCoalesced: every piece arrives whole, in order and as a piece of its own (a chunk, on
 * an HTTP response: clients read streams chunk by chunk), the pieces of one event-loop turn go
 * out in one (vectored) write, large pieces at once, and a client that is not taking data
 * pauses the daemon's side.
 */
import { createServer as createHttpServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { relayCoalesced } from '../../../src/proxy/coalescing-relay.js';

/**
 * A client side that records each piece written and each batch of pieces that reached it in one
 * call (one socket write), and can hold its callbacks (backpressure).
 */
function sink(opts: { highWaterMark?: number; holdMs?: number } = {}) {
  const writes: Buffer[] = [];
  const batches: number[] = [];
  let ended = 0;
  const to = new Writable({
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk);
      batches.push(1);
      if (opts.holdMs) setTimeout(cb, opts.holdMs);
      else cb();
    },
    writev(chunks, cb) {
      for (const c of chunks) writes.push(c.chunk as Buffer);
      batches.push(chunks.length);
      if (opts.holdMs) setTimeout(cb, opts.holdMs);
      else cb();
    },
    final(cb) {
      ended += 1;
      cb();
    },
  });
  // A ServerResponse corks its socket; here the sink is its own socket.
  Object.assign(to, { socket: to });
  const done = new Promise<void>((resolve) => to.on('finish', () => resolve()));
  return { to, writes, batches, done, ended: () => ended };
}

function relay(from: Readable, to: Writable): void {
  relayCoalesced(from as unknown as IncomingMessage, to as unknown as ServerResponse);
}

const piece = (i: number, size: number) => Buffer.alloc(size, i % 251);

describe('relayCoalesced', () => {
  it.each([
    { name: '1 KiB log lines, 40 per turn', sizes: Array(40).fill(1024), turns: 3, batchesPerTurn: 1 },
    { name: '200-byte events, 150 per turn', sizes: Array(150).fill(200), turns: 2, batchesPerTurn: 1 },
    { name: '32 KiB archive pieces', sizes: Array(4).fill(32 * 1024), turns: 2, batchesPerTurn: 4 },
    { name: 'small and large mixed', sizes: [100, 200, 40 * 1024, 300, 400], turns: 2, batchesPerTurn: 2 },
  ])('$name: every piece whole, in order and on its own, written together per turn (at most $batchesPerTurn writes)', async ({ sizes, turns, batchesPerTurn }) => {
    const from = new Readable({ read() {} });
    const out = sink();
    relay(from, out.to);
    const sent: Buffer[] = [];
    for (let t = 0; t < turns; t++) {
      // All pieces of a turn are pushed synchronously, as the HTTP parser does for one socket read.
      sizes.forEach((size, i) => {
        const b = piece(t * 100 + i, size);
        sent.push(b);
        from.push(b);
      });
      await new Promise((r) => setImmediate(r));
    }
    from.push(null);
    await out.done;
    expect(out.writes.length).toBe(sent.length);
    out.writes.forEach((w, i) => expect(w.equals(sent[i] as Buffer), `piece ${i}`).toBe(true));
    expect(out.batches.length).toBeLessThanOrEqual(turns * batchesPerTurn);
    expect(out.ended()).toBe(1);
  });

  it('pauses the source while the client is not taking data, and delivers everything', async () => {
    const from = new Readable({ read() {}, highWaterMark: 1024 });
    const out = sink({ highWaterMark: 1024, holdMs: 5 });
    relay(from, out.to);
    const sent: Buffer[] = [];
    let sawPause = false;
    for (let t = 0; t < 20; t++) {
      for (let i = 0; i < 8; i++) {
        const b = piece(t * 8 + i, 512);
        sent.push(b);
        from.push(b);
      }
      await new Promise((r) => setImmediate(r));
      if (from.isPaused()) sawPause = true;
    }
    from.push(null);
    await out.done;
    expect(sawPause).toBe(true);
    expect(Buffer.concat(out.writes).equals(Buffer.concat(sent))).toBe(true);
  });

  it('writes nothing more once the client side is destroyed', async () => {
    const from = new Readable({ read() {} });
    const out = sink();
    out.to.on('error', () => {});
    relay(from, out.to);
    from.push(piece(1, 100));
    await new Promise((r) => setImmediate(r));
    out.to.destroy();
    from.push(piece(2, 100));
    from.push(piece(3, 64 * 1024));
    from.push(null);
    await new Promise((r) => setTimeout(r, 20));
    expect(out.writes.map((w) => w.length)).toEqual([100]);
  });
});

describe('relayCoalesced through real HTTP servers', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const listen = (server: Server): Promise<number> =>
    new Promise((resolve) => {
      servers.push(server);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });

  it('chunks that came from the daemon in one read reach the client as the same chunks (docker-py yields one item per chunk)', async () => {
    const daemon = createNetServer((s) =>
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        setTimeout(() => s.write('5\r\n{"a"}\r\n5\r\n{"b"}\r\n5\r\n{"c"}\r\n'), 50);
        setTimeout(() => s.end('0\r\n\r\n'), 150);
      }),
    );
    const daemonPort = await listen(daemon);
    const gateway = createHttpServer((_req, res) => {
      get({ host: '127.0.0.1', port: daemonPort, path: '/events' }, (answer) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        relayCoalesced(answer, res, { headWithoutBody: true });
      });
    });
    const port = await listen(gateway as unknown as Server);
    const raw = await new Promise<string>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => c.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n'));
      let all = '';
      c.on('data', (d: Buffer) => {
        all += d.toString('latin1');
        if (all.endsWith('0\r\n\r\n')) {
          c.destroy();
          resolve(all);
        }
      });
      c.on('error', reject);
    });
    expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toBe('5\r\n{"a"}\r\n5\r\n{"b"}\r\n5\r\n{"c"}\r\n0\r\n\r\n');
  });
});
