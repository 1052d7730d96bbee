/**
 * readUpgradeBody(): an upgrade request's Content-Length body framed by the gateway from `head`
 * and the socket, what follows it kept for the tunnel; over the cap 413, late 408, a connection
 * gone before the body 400 truncated-body. Its framing is refused from the headers before it is
 * read: test/unit/http/upgrade-body-length.test.ts.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../../src/http/gateway-error.js';
import type { BodyHold } from '../../../src/server/body-budget.js';
import { readUpgradeBody } from '../../../src/server/upgrade-body.js';
import { rejection } from './rejection.js';

function hold(throwAt?: [string, Error]): BodyHold & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    declare(n) {
      calls.push(`declare ${n}`);
      if (throwAt?.[0] === `declare ${n}`) throw throwAt[1];
    },
    take(n) {
      calls.push(`take ${n}`);
      if (throwAt?.[0] === `take ${n}`) throw throwAt[1];
    },
    release() {},
  };
}

const text = (b: { body: Buffer; rest: Buffer }): [string, string] => [b.body.toString(), b.rest.toString()];

afterEach(() => {
  vi.useRealTimers();
});

describe('readUpgradeBody', () => {
  it.each<[string, number, string, [string, string], string[]]>([
    ['no body', 0, '', ['', ''], ['declare 0', 'take 0']],
    ['no body, tunnel bytes already sent', 0, 'tty', ['', 'tty'], ['declare 0', 'take 0']],
    ['the whole body in head', 4, 'abcd', ['abcd', ''], ['declare 4', 'take 4']],
    ['the body and tunnel bytes in head', 4, 'abcdXY', ['abcd', 'XY'], ['declare 4', 'take 4']],
  ])('%s', async (_label, length, head, parts, calls) => {
    const h = hold();
    const socket = new PassThrough();
    expect(text(await readUpgradeBody(length, Buffer.from(head), socket, 10, 1000, h))).toEqual(parts);
    expect(h.calls).toEqual(calls);
  });

  it('reads the rest from the socket, takes only the body\'s bytes, and pauses the socket for the tunnel', async () => {
    const h = hold();
    const socket = new PassThrough();
    const p = readUpgradeBody(6, Buffer.from('ab'), socket, 10, 1000, h);
    socket.write('cd');
    socket.write('efXYZ');
    expect(text(await p)).toEqual(['abcdef', 'XYZ']);
    expect(h.calls).toEqual(['declare 6', 'take 2', 'take 2', 'take 2']);
    expect(socket.isPaused()).toBe(true);
    expect(['data', 'end', 'error', 'close'].map((e) => socket.listenerCount(e))).toEqual([0, 0, 0, 0]);
  });

  it('a body that ends exactly with a piece from the socket is complete, with nothing after it', async () => {
    const socket = new PassThrough();
    const p = readUpgradeBody(4, Buffer.from('ab'), socket, 10, 1000, hold());
    socket.write('cd');
    expect(text(await p)).toEqual(['abcd', '']);
  });

  // As readBody refuses a declared length over the limit on the request path (a Content-Length
  // past 2^53 is read as a rounded number, or Infinity: upgrade-body-length.ts).
  it.each<[string, number]>([
    ['one byte over the limit', 11],
    ['a length past 2^53', Number('9007199254740993')],
    ['Infinity', Infinity],
  ])('%s is refused 413 before anything is taken', async (_label, length) => {
    const h = hold();
    const err = await rejection(readUpgradeBody(length, Buffer.alloc(0), new PassThrough(), 10, 1000, h));
    expect([err.code, err.status, err.reasonCode, err.message]).toEqual(['body-too-large', 413, 'body-too-large', 'dockgate: request body exceeds the 10-byte inspection limit']);
    expect(h.calls).toEqual([]);
  });

  it('a length at the limit is read', async () => {
    const b = await readUpgradeBody(10, Buffer.from('0123456789'), new PassThrough(), 10, 1000, hold());
    expect(b.body.toString()).toBe('0123456789');
  });

  it.each([
    ['the declared length', 'declare 4'],
    ['what head brought', 'take 2'],
  ])('a budget refusal of %s rejects with it', async (_label, at) => {
    const over = new GatewayError('identity-body-budget', 'over');
    const socket = new PassThrough();
    expect(await rejection(readUpgradeBody(4, Buffer.from('ab'), socket, 10, 1000, hold([at, over])))).toBe(over);
    expect(socket.listenerCount('data')).toBe(0);
  });

  it('a budget refusal of a piece from the socket rejects with it and stops listening', async () => {
    const over = new GatewayError('body-budget', 'full');
    const socket = new PassThrough();
    const p = readUpgradeBody(4, Buffer.from('ab'), socket, 10, 1000, hold(['take 1', over]));
    socket.write('c');
    expect(await rejection(p)).toBe(over);
    expect(socket.listenerCount('data')).toBe(0);
  });

  it.each(['end', 'error', 'close'])('the socket\'s %s before the body is complete: 400 truncated-body', async (event) => {
    const socket = new PassThrough();
    const p = readUpgradeBody(4, Buffer.from('ab'), socket, 10, 1000, hold());
    socket.emit(event, event === 'error' ? new Error('reset') : undefined);
    const err = await rejection(p);
    expect([err.code, err.status, err.reasonCode, err.message]).toEqual(['malformed', 400, 'truncated-body', 'dockgate: connection closed before the request body was complete']);
    expect(['data', 'end', 'error', 'close'].map((e) => socket.listenerCount(e))).toEqual([0, 0, 0, 0]);
  });

  it('a body not complete within the timeout: 408', async () => {
    vi.useFakeTimers();
    const socket = new PassThrough();
    const p = readUpgradeBody(4, Buffer.from('ab'), socket, 10, 300, hold());
    let settled = false;
    void p.then(() => (settled = true), () => (settled = true));
    vi.advanceTimersByTime(299);
    await Promise.resolve();
    expect(settled).toBe(false);
    vi.advanceTimersByTime(1);
    const err = await rejection(p);
    expect([err.code, err.status]).toEqual(['body-timeout', 408]);
    expect(socket.listenerCount('data')).toBe(0);
  });

  // The moment dockerd sends an awaited `100 Continue`: once the body is accepted, before it is
  // read, also when it came with the head; never for a body refused from its headers.
  it.each<[string, number, string, number, boolean]>([
    ['a body still to come', 4, '', 10, true],
    ['the whole body in head', 4, 'abcd', 10, true],
    ['over the cap (refused)', 40, '', 10, false],
  ])('beforeReading: %s', async (_label, length, head, limit, called) => {
    const socket = new PassThrough();
    const order: string[] = [];
    const p = readUpgradeBody(length, Buffer.from(head), socket, limit, 1000, hold(), () => order.push(`continue after ${socket.listenerCount('data')} readers`));
    if (called && head.length === 0) socket.write('abcd');
    await p.catch(() => undefined);
    expect(order).toEqual(called ? ['continue after 0 readers'] : []);
  });

  it('beforeReading is not called when the budget refuses the declared length', async () => {
    const calls: string[] = [];
    await rejection(readUpgradeBody(4, Buffer.alloc(0), new PassThrough(), 10, 1000, hold(['declare 4', new GatewayError('identity-body-budget', 'over')]), () => calls.push('continue')));
    expect(calls).toEqual([]);
  });
});
