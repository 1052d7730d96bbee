/**
 * drainRefusedBody(): after a refusal, the rest of the body is read and thrown away (so the
 * client sees the refusal, not a reset), within 64 MiB or 10 s; past either the connection is
 * closed.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainRefusedBody, REFUSED_BODY_DRAIN } from '../../../src/http/drain-refused-body.js';
import { unrefCount } from './unref-count.js';

function request(complete = false, autoDestroy = true): PassThrough & IncomingMessage & { socketDestroys: number } {
  const req = new PassThrough({ autoDestroy }) as unknown as PassThrough & IncomingMessage & { socketDestroys: number };
  req.socketDestroys = 0;
  Object.assign(req, { complete, socket: { destroy: () => (req.socketDestroys += 1) } });
  return req;
}

const listeners = (req: PassThrough): number[] => ['data', 'end', 'close'].map((e) => req.listenerCount(e));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('drainRefusedBody', () => {
  it('bounds: 64 MiB or 10 s', () => {
    expect(REFUSED_BODY_DRAIN).toEqual({ maxBytes: 64 * 1024 * 1024, maxMs: 10_000 });
  });

  it('discards up to maxBytes and keeps the connection; the end stops listening', async () => {
    const req = request();
    drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 });
    req.write('x'.repeat(6));
    req.end('y'.repeat(4));
    await tick();
    expect(req.socketDestroys).toBe(0);
    expect(listeners(req)).toEqual([0, 0, 0]);
  });

  it('one byte past maxBytes closes the connection', async () => {
    const req = request();
    drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 });
    req.write('x'.repeat(6));
    req.write('y'.repeat(5));
    await tick();
    expect(req.socketDestroys).toBe(1);
    expect(listeners(req)).toEqual([0, 0, 0]);
  });

  it('past maxMs the connection is closed', () => {
    vi.useFakeTimers();
    const req = request();
    drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 });
    vi.advanceTimersByTime(999);
    expect(req.socketDestroys).toBe(0);
    vi.advanceTimersByTime(1);
    expect(req.socketDestroys).toBe(1);
  });

  it('a request that closes stops the timer', () => {
    vi.useFakeTimers();
    const req = request();
    drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 });
    req.emit('close');
    vi.advanceTimersByTime(5000);
    expect(req.socketDestroys).toBe(0);
    expect(listeners(req)).toEqual([0, 0, 0]);
  });

  it('an ended request stops the timer too', async () => {
    vi.useFakeTimers();
    const req = request();
    drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 });
    req.end();
    await vi.advanceTimersByTimeAsync(5000);
    expect(req.socketDestroys).toBe(0);
  });

  it('an ended request stops the timer even when no close follows (a stream that does not destroy itself)', async () => {
    vi.useFakeTimers();
    const req = request(false, false);
    drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 });
    req.end('abc');
    await vi.advanceTimersByTimeAsync(5000);
    expect(req.socketDestroys).toBe(0);
    expect(listeners(req)).toEqual([0, 0, 0]);
  });

  it('resumes a request the gateway had paused', async () => {
    const req = request();
    req.pause();
    drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 });
    req.write('x'.repeat(11));
    await tick();
    expect(req.socketDestroys).toBe(1);
  });

  it('the timer does not keep the process alive', () => {
    const req = request();
    expect(unrefCount(() => drainRefusedBody(req, { maxBytes: 10, maxMs: 1000 }))).toBe(1);
    req.emit('close');
  });

  it.each([
    ['complete', (r: PassThrough & { complete: boolean }) => (r.complete = true)],
    ['destroyed', (r: PassThrough) => r.destroy()],
  ])('a request already %s is left alone', (_label, make) => {
    vi.useFakeTimers();
    const req = request();
    make(req as PassThrough & { complete: boolean });
    drainRefusedBody(req, { maxBytes: 0, maxMs: 1 });
    vi.advanceTimersByTime(10);
    expect(req.socketDestroys).toBe(0);
    expect(req.listenerCount('data')).toBe(0);
  });

  it('the default bounds apply without any', () => {
    vi.useFakeTimers();
    const req = request();
    drainRefusedBody(req);
    vi.advanceTimersByTime(9_999);
    expect(req.socketDestroys).toBe(0);
    vi.advanceTimersByTime(1);
    expect(req.socketDestroys).toBe(1);
  });
});
