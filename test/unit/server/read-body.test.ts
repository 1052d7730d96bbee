/**
 * readBody(): an inspected body read whole up to a cap (413 over it), within a time (408), with
 * its declared length and each piece accounted to the body budget before it is kept.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../../src/http/gateway-error.js';
import type { BodyHold } from '../../../src/server/body-budget.js';
import { bodyTimeout, readBody, TRUNCATED_BODY } from '../../../src/server/read-body.js';
import { rejection } from './rejection.js';

/** A request body stream with `headers`. */
function request(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

/** A hold that records its calls; `failOn` makes declare or take throw. */
function hold(failOn?: { declare?: Error; takeAfter?: [number, Error] }): BodyHold & { calls: string[] } {
  let taken = 0;
  const calls: string[] = [];
  return {
    calls,
    declare(n) {
      calls.push(`declare ${n}`);
      if (failOn?.declare) throw failOn.declare;
    },
    take(n) {
      calls.push(`take ${n}`);
      taken += n;
      if (failOn?.takeAfter && taken > failOn.takeAfter[0]) throw failOn.takeAfter[1];
    },
    release() {
      calls.push('release');
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('readBody', () => {
  it('joins the pieces and declares a declared length before taking each piece', async () => {
    const req = request({ 'content-length': '7' });
    const h = hold();
    const p = readBody(req, 10, 1000, h);
    req.write('abc');
    req.end('defg');
    expect((await p).toString()).toBe('abcdefg');
    expect(h.calls).toEqual(['declare 7', 'take 3', 'take 4']);
    expect(req.listenerCount('data') + req.listenerCount('end') + req.listenerCount('error') + req.listenerCount('aborted')).toBe(0);
  });

  it('a body read in full leaves no timer behind', async () => {
    vi.useFakeTimers();
    const req = request();
    const p = readBody(req, 10, 30_000, hold());
    req.end('abc');
    await vi.advanceTimersByTimeAsync(0);
    expect((await p).toString()).toBe('abc');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a body exactly at the limit is read; an empty one is empty', async () => {
    const req = request();
    const p = readBody(req, 4, 1000, hold());
    req.end('abcd');
    expect((await p).toString()).toBe('abcd');
    const empty = request();
    const q = readBody(empty, 4, 1000, hold());
    empty.end();
    expect((await q).length).toBe(0);
  });

  it.each([
    ['a declared length over the limit, before any byte', { 'content-length': '11' }, ''],
    ['chunked bytes past the limit', {}, 'x'.repeat(11)],
  ])('%s is refused 413', async (_label, headers, data) => {
    const req = request(headers);
    const h = hold();
    const p = readBody(req, 10, 1000, h);
    if (data) req.end(data);
    const err = await rejection(p);
    expect([err.code, err.status, err.reasonCode, err.message]).toEqual(['body-too-large', 413, 'body-too-large', 'dockgate: request body exceeds the 10-byte inspection limit']);
    if (!data) expect(h.calls).toEqual([]);
  });

  it.each([
    ['no Content-Length', {}, []],
    ['Content-Length 0', { 'content-length': '0' }, []],
    ['a Content-Length that is no number', { 'content-length': 'x' }, []],
    ['a declared length at the limit', { 'content-length': '10' }, ['declare 10']],
  ])('%s: declares %j', async (_label, headers, declared) => {
    const req = request(headers);
    const h = hold();
    const p = readBody(req, 10, 1000, h);
    req.end();
    await p;
    expect(h.calls).toEqual(declared);
  });

  it('a declare over the identity\'s share refuses at once with its error', async () => {
    const over = new GatewayError('identity-body-budget', 'over');
    const req = request({ 'content-length': '5' });
    const err = await rejection(readBody(req, 10, 1000, hold({ declare: over })));
    expect(err).toBe(over);
    expect(req.listenerCount('data')).toBe(0);
  });

  it('a take over the budget stops the read with its error', async () => {
    const over = new GatewayError('body-budget', 'full');
    const req = request();
    const h = hold({ takeAfter: [3, over] });
    const p = readBody(req, 10, 1000, h);
    req.write('abc');
    req.write('d');
    expect(await rejection(p)).toBe(over);
    expect(req.listenerCount('data')).toBe(0);
  });

  it('a body not all arrived within the timeout is refused 408', async () => {
    vi.useFakeTimers();
    const req = request();
    const p = readBody(req, 10, 500, hold());
    req.write('ab');
    vi.advanceTimersByTime(499);
    let settled = false;
    void p.then(() => (settled = true), () => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    vi.advanceTimersByTime(1);
    const err = await rejection(p);
    expect([err.code, err.status, err.message]).toEqual(['body-timeout', 408, 'dockgate: the request body did not arrive within 500 ms']);
    expect(req.listenerCount('data')).toBe(0);
  });

  it('an error or an abort of the request rejects', async () => {
    const req = request();
    const p = readBody(req, 10, 1000, hold());
    const boom = new Error('reset');
    req.emit('error', boom);
    expect(await rejection(p)).toBe(boom);
    const aborted = request();
    const q = readBody(aborted, 10, 1000, hold());
    aborted.emit('aborted');
    expect((await rejection(q)).message).toBe('client aborted the request body');
    expect(aborted.listenerCount('aborted')).toBe(0);
  });
});

describe('bodyTimeout / TRUNCATED_BODY', () => {
  it('are the documented refusals', () => {
    expect(bodyTimeout(30000)).toMatchObject({ code: 'body-timeout', status: 408, message: 'dockgate: the request body did not arrive within 30000 ms' });
    expect(TRUNCATED_BODY).toBe('dockgate: connection closed before the request body was complete');
  });
});
