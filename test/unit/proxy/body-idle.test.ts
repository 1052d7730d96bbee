/**
 * The idle rule of streamed request bodies (limits.streamedBodyIdleMs, rev-dos F5): the watch
 * fires once a body has sent nothing for its time while the relay waited for it, and never
 * while the relay was not waiting (the daemon not taking data), nor for a body that keeps
 * coming or has ended; through the forwarder, an idle body cuts the client connection and the
 * daemon request, and reports no daemon error.
 */
import { connect } from 'node:net';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { idleWatch } from '../../../src/proxy/body-idle.js';
import { relayRequestBody } from '../../../src/proxy/coalescing-request-body.js';
import { forwarderRig } from './forwarder-rig.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IDLE = 120;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('idleWatch', () => {
  // Steps at `t` ms: `w` waiting, `a` a byte arrived, `s` stopped; fired? checked at `until`.
  it.each([
    { name: 'waiting, nothing comes', steps: [[0, 'w']], until: 3 * IDLE, fired: 1 },
    { name: 'never waiting', steps: [], until: 3 * IDLE, fired: 0 },
    { name: 'bytes every third of the time', steps: [[0, 'w'], ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => [(i * IDLE) / 3, 'a'])], until: 3 * IDLE, fired: 0 },
    { name: 'bytes, then nothing', steps: [[0, 'w'], [IDLE / 2, 'a']], until: 3 * IDLE, fired: 1 },
    { name: 'stopped (daemon not taking data) for longer than the time', steps: [[0, 'w'], [IDLE / 3, 's'], [2.5 * IDLE, 'w'], [2.5 * IDLE + IDLE / 3, 's']], until: 4 * IDLE, fired: 0 },
    { name: 'waiting again after a stop counts from then', steps: [[0, 'w'], [IDLE / 3, 's'], [2 * IDLE, 'w']], until: 2 * IDLE + IDLE / 2, fired: 0 },
    { name: 'stopped for good (the body ended)', steps: [[0, 'w'], [IDLE / 2, 's']], until: 3 * IDLE, fired: 0 },
    // Gated (BodyIdle.from): `f` is the 100 Continue written; nothing counts before it, nor
    // before a first byte (rev-fix-http F4: a client waiting for its 100 was cut).
    { name: 'gated: waiting, the 100 never written', gated: true, steps: [[0, 'w']], until: 3 * IDLE, fired: 0 },
    { name: 'gated: the 100 written late, nothing comes after it', gated: true, steps: [[0, 'w'], [2 * IDLE, 'f']], until: 3.5 * IDLE, fired: 1 },
    { name: 'gated: the 100 written late, counted from then', gated: true, steps: [[0, 'w'], [2 * IDLE, 'f']], until: 2 * IDLE + IDLE / 2, fired: 0 },
    { name: 'gated: the client sent without waiting, then stopped', gated: true, steps: [[0, 'w'], [IDLE / 3, 'a']], until: 3 * IDLE, fired: 1 },
    { name: 'gated: started while not waiting (daemon not taking data)', gated: true, steps: [[0, 'w'], [IDLE / 3, 's'], [IDLE / 2, 'f']], until: 3 * IDLE, fired: 0 },
  ] as { name: string; gated?: boolean; steps: [number, string][]; until: number; fired: number }[])('$name', async ({ gated, steps, until, fired }) => {
    // On fake timers (Date.now included): each step happens at its time exactly, however busy
    // the machine. On real ones a late step under load moved the idle time past `until` (the
    // row 'the 100 written late, nothing comes after it' failed in a full unit run, probe36).
    vi.useFakeTimers();
    cleanups.push(() => vi.useRealTimers());
    let count = 0;
    let start: (() => void) | undefined;
    const watch = idleWatch({ ms: IDLE, onIdle: () => (count += 1), ...(gated ? { from: (s: () => void) => (start = s) } : {}) });
    let at = 0;
    for (const [t, what] of steps) {
      await vi.advanceTimersByTimeAsync(t - at);
      at = t;
      if (what === 'w') watch.waiting();
      else if (what === 'a') watch.arrived();
      else if (what === 'f') start?.();
      else watch.stop();
    }
    await vi.advanceTimersByTimeAsync(until - at);
    watch.stop();
    expect(count).toBe(fired);
  });
});

/** A daemon side taking (or, with `holdMs`, holding each write for that long) what it is given. */
function daemonSide(holdMs = 0) {
  let bytes = 0;
  const to = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      setTimeout(cb, holdMs);
    },
  });
  return { to, bytes: () => bytes };
}

describe('relayRequestBody with an idle rule', () => {
  const relay = (from: Readable, to: Writable, onIdle: () => void) => relayRequestBody(from as unknown as IncomingMessage, to as unknown as ClientRequest, { ms: IDLE, onIdle });

  it('a body that stops is given up once', async () => {
    const from = new Readable({ read() {} });
    let idle = 0;
    relay(from, daemonSide().to, () => (idle += 1));
    from.push(Buffer.alloc(512));
    await sleep(4 * IDLE);
    expect(idle).toBe(1);
  });

  it('a body that keeps coming slowly, then ends, is not', async () => {
    const from = new Readable({ read() {} });
    let idle = 0;
    relay(from, daemonSide().to, () => (idle += 1));
    for (let i = 0; i < 10; i++) {
      from.push(Buffer.alloc(1));
      await sleep(IDLE / 3);
    }
    from.push(null);
    await sleep(2 * IDLE);
    expect(idle).toBe(0);
  });

  it('time the daemon is not taking data does not count', async () => {
    // A client that sends only when asked (as a socket whose reads stop while the relay is
    // paused), 1 KiB at a time, into a daemon that takes 1 KiB per 1.5 idle times: the client
    // waits on the daemon for many idle times while its body goes on.
    let produced = 0;
    const from = new Readable({
      highWaterMark: 1024,
      read() {
        setImmediate(() => this.push(produced++ < 6 ? Buffer.alloc(1024) : null));
      },
    });
    let idle = 0;
    const daemon = daemonSide(1.5 * IDLE);
    relay(from, daemon.to, () => (idle += 1));
    await new Promise((r) => daemon.to.on('finish', r));
    expect(daemon.bytes()).toBe(6 * 1024);
    expect(idle).toBe(0);
  });
});

describe('the forwarder with streamedBodyIdleMs', () => {
  async function stalledUpload(options: { streamedBodyIdleMs?: number }) {
    const seen = { daemonBytes: 0, daemonClosed: false, errors: [] as string[], idle: 0, clientClosed: false };
    const { port } = await forwarderRig(
      cleanups,
      (s) => {
        s.on('data', (d: Buffer) => (seen.daemonBytes += d.length));
        s.on('close', () => (seen.daemonClosed = true));
      },
      (f, req, res) => {
        res.on('close', () => f.ended(req, res));
        f.forward(req, res, {
          onHeaders: () => undefined,
          onError: (kind, err) => seen.errors.push(`${kind} ${(err as NodeJS.ErrnoException).code ?? err.message}`),
          onBodyIdle: () => {
            seen.idle += 1;
            req.socket.destroy();
          },
        }, req.url ?? '/');
      },
      undefined,
      options,
    );
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.on('close', () => (seen.clientClosed = true));
    cleanups.push(() => client.destroy());
    client.write('POST /build?t=x1:1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: 100000000\r\n\r\n');
    client.write(Buffer.alloc(512));
    await sleep(6 * IDLE);
    return seen;
  }

  it('cuts the client connection and the daemon request, and reports no daemon error', async () => {
    const seen = await stalledUpload({ streamedBodyIdleMs: IDLE });
    expect(seen.idle).toBe(1);
    expect(seen.clientClosed).toBe(true);
    expect(seen.daemonBytes).toBeGreaterThan(512);
    expect(seen.daemonClosed).toBe(true);
    expect(seen.errors).toEqual([]);
  });

  it('without the limit, the upload stays open', async () => {
    const seen = await stalledUpload({});
    expect(seen.idle).toBe(0);
    expect(seen.clientClosed).toBe(false);
    expect(seen.daemonClosed).toBe(false);
  });
});
