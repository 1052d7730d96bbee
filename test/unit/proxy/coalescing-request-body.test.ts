/**
 * relayRequestBody: the body arrives whole and in order, also when the client had ended or been
 * paused before the relay started; the pieces of one event-loop turn go out in one vectored
 * write even when each came in a callback of its own (as Node's TLS layer hands them over); a
 * daemon that is not taking data pauses the client; a daemon request that fails or closes stops
 * the relay as a pipe would.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { relayRequestBody } from '../../../src/proxy/coalescing-request-body.js';

/** A daemon side that records each system call it would make: one entry per write or writev. */
function daemonSide(opts: { highWaterMark?: number; holdMs?: number } = {}) {
  const calls: Buffer[][] = [];
  let ended = 0;
  const done = (cb: () => void) => (opts.holdMs ? setTimeout(cb, opts.holdMs) : cb());
  const to = new Writable({
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      calls.push([chunk]);
      done(cb);
    },
    writev(chunks, cb) {
      calls.push(chunks.map((c) => c.chunk as Buffer));
      done(cb);
    },
    final(cb) {
      ended += 1;
      cb();
    },
  });
  const finished = new Promise<void>((resolve) => to.on('finish', () => resolve()));
  return { to, calls, finished, ended: () => ended };
}

function relay(from: Readable, to: Writable): void {
  relayRequestBody(from as unknown as IncomingMessage, to as unknown as ClientRequest);
}

const piece = (i: number, size: number) => Buffer.alloc(size, i % 251);
const nextTurn = () => new Promise((r) => setImmediate(r));

/** Push `sizes` into `from`, each piece from a process.nextTick callback of its own (one turn). */
function pushInSeparateCallbacks(from: Readable, sizes: number[], first: number, sent: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const step = (): void => {
      if (i === sizes.length) return resolve();
      const b = piece(first + i, sizes[i] as number);
      sent.push(b);
      from.push(b);
      i += 1;
      process.nextTick(step);
    };
    step();
  });
}

describe('relayRequestBody', () => {
  it.each([
    { name: '16 KiB TLS pieces, 4 per turn', sizes: Array(4).fill(16 * 1024), turns: 3 },
    { name: 'uneven pieces, 7 per turn', sizes: [1, 16 * 1024, 300, 9000, 16 * 1024, 5, 70], turns: 2 },
    { name: 'one piece per turn', sizes: [16 * 1024], turns: 4 },
  ])('$name: same bytes in order, one system call per turn', async ({ sizes, turns }) => {
    const from = new Readable({ read() {} });
    const daemon = daemonSide({ highWaterMark: 1 << 20 });
    relay(from, daemon.to);
    const sent: Buffer[] = [];
    for (let t = 0; t < turns; t++) {
      await pushInSeparateCallbacks(from, sizes, t * 100, sent);
      await nextTurn();
    }
    from.push(null);
    await daemon.finished;
    expect(Buffer.concat(daemon.calls.flat()).equals(Buffer.concat(sent))).toBe(true);
    expect(daemon.calls.length).toBe(turns);
    expect(daemon.calls.every((call) => call.length === sizes.length)).toBe(true);
    expect(daemon.ended()).toBe(1);
  });

  it('a body that ends in the turn it arrived in is written, then ended', async () => {
    const from = new Readable({ read() {} });
    const daemon = daemonSide();
    relay(from, daemon.to);
    from.push(piece(1, 100));
    from.push(piece(2, 200));
    from.push(null);
    await daemon.finished;
    expect(Buffer.concat(daemon.calls.flat()).length).toBe(300);
    expect(daemon.ended()).toBe(1);
  });

  it('an empty body only ends the daemon request', async () => {
    const from = new Readable({ read() {} });
    const daemon = daemonSide();
    relay(from, daemon.to);
    from.push(null);
    await daemon.finished;
    expect(daemon.calls).toEqual([]);
    expect(daemon.ended()).toBe(1);
  });

  it('a daemon that is not taking data pauses the client until it drains', async () => {
    // A client that sends only when asked (as a socket whose reads stop when Node's buffer is
    // full), 16 KiB per callback, 2 MiB in all.
    const total = 128;
    let produced = 0;
    const sent: Buffer[] = [];
    const from = new Readable({
      highWaterMark: 16 * 1024,
      read() {
        process.nextTick(() => {
          if (produced === total) return void this.push(null);
          const b = piece(produced++, 16 * 1024);
          sent.push(b);
          this.push(b);
        });
      },
    });
    const daemon = daemonSide({ highWaterMark: 16 * 1024, holdMs: 2 });
    let maxHeld = 0;
    let pausedSeen = false;
    const watch = setInterval(() => {
      maxHeld = Math.max(maxHeld, daemon.to.writableLength);
      pausedSeen ||= from.isPaused();
    }, 1);
    relay(from, daemon.to);
    await daemon.finished;
    clearInterval(watch);
    expect(Buffer.concat(daemon.calls.flat()).equals(Buffer.concat(sent))).toBe(true);
    expect(pausedSeen).toBe(true);
    // Held at the daemon side: a few pieces, never the body.
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(8 * 16 * 1024);
    expect(daemon.ended()).toBe(1);
  });

  it('a daemon request that closes mid-body stops the relay and leaves the client paused', async () => {
    const from = new Readable({ read() {} });
    const daemon = daemonSide();
    relay(from, daemon.to);
    from.push(piece(1, 1000));
    // The first piece flows once the stream has switched to flowing (a tick), then waits for its turn's end.
    await nextTurn();
    await nextTurn();
    daemon.to.destroy();
    await nextTurn();
    from.push(piece(2, 1000));
    await nextTurn();
    expect(from.isPaused()).toBe(true);
    expect(from.listenerCount('data')).toBe(0);
    expect(daemon.calls.flat().reduce((n, b) => n + b.length, 0)).toBe(1000);
  });

  it('on a daemon request error the relay stops before the error handlers run', async () => {
    const from = new Readable({ read() {} });
    const daemon = daemonSide();
    // The forwarder's own handler (added before the relay starts, as http-proxy's is) discards
    // the rest of the body: it must find the client resumable, not paused again afterwards.
    const order: string[] = [];
    daemon.to.on('error', () => {
      order.push(`handler sees ${from.isPaused() ? 'paused' : 'flowing'}`);
      from.resume();
    });
    relay(from, daemon.to);
    from.push(piece(1, 10));
    await nextTurn();
    daemon.to.destroy(new Error('daemon went away'));
    await nextTurn();
    await nextTurn();
    expect(order).toEqual(['handler sees paused']);
    expect(from.isPaused()).toBe(false);
  });

  it('a body that ended before the relay was attached still ends the daemon request', async () => {
    const from = new Readable({ read() {} });
    from.push(null);
    from.resume();
    await new Promise((r) => from.once('end', r));
    const daemon = daemonSide();
    relay(from, daemon.to);
    await daemon.finished;
    expect(daemon.calls).toEqual([]);
    expect(daemon.ended()).toBe(1);
  });

  it('a client paused before the relay was attached is resumed and relayed whole', async () => {
    const from = new Readable({ read() {} });
    from.pause();
    from.push(piece(1, 4000));
    from.push(null);
    const daemon = daemonSide();
    relay(from, daemon.to);
    await daemon.finished;
    expect(Buffer.concat(daemon.calls.flat()).equals(piece(1, 4000))).toBe(true);
    expect(daemon.ended()).toBe(1);
  });

  it('a daemon request destroyed within a turn gets none of that turn\'s pieces', async () => {
    const from = new Readable({ read() {} });
    const daemon = daemonSide({ highWaterMark: 1 << 20 });
    relay(from, daemon.to);
    await nextTurn();
    from.push(piece(1, 100));
    daemon.to.destroy();
    const writes = vi.spyOn(daemon.to, 'write');
    // Enough to be written at once, before the close that detaches the relay has been emitted.
    from.push(piece(2, 64 * 1024));
    await nextTurn();
    expect(writes).not.toHaveBeenCalled();
    expect(daemon.calls).toEqual([]);
  });

  it('a daemon request that closes while the client waits for it to drain keeps no listener', async () => {
    const from = new Readable({ read() {} });
    const daemon = daemonSide({ highWaterMark: 16 * 1024, holdMs: 200 });
    relay(from, daemon.to);
    await nextTurn();
    from.push(piece(1, 64 * 1024));
    expect(from.isPaused()).toBe(true);
    expect(daemon.to.listenerCount('drain')).toBe(1);
    daemon.to.destroy();
    await nextTurn();
    expect(daemon.to.listenerCount('drain')).toBe(0);
  });
});
