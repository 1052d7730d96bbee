import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Observer } from '../../../src/core/observer.js';
import { Exchange } from '../../../src/server/exchange.js';
import { IdentityRequests } from '../../../src/server/identity-requests.js';
import { IdentityStreams } from '../../../src/server/identity-streams.js';
import { identity, req } from '../policy/fixtures.js';
import { refusalStatus } from './refusal-status.js';

const alice = identity('alice');
const bob = identity('bob');

describe('IdentityStreams', () => {
  it.each([
    ['events', req('GET', '/v1.41/events'), true],
    ['logs -f', req('GET', '/v1.41/containers/x/logs?follow=1&stdout=1'), true],
    ['attach', req('POST', '/v1.41/containers/x/attach?stream=1'), true],
    ['stats --no-stream', req('GET', '/v1.41/containers/x/stats?stream=0'), false],
    ['exec -d', req('POST', '/v1.41/exec/x/start', { Detach: true }), false],
    ['ps', req('GET', '/v1.41/containers/json'), false],
  ])('%s holds a slot: %s', (_name, facts, holds) => {
    const streams = new IdentityStreams(1);
    const close = streams.open(alice, facts);
    expect(close !== undefined).toBe(holds);
    expect(streams.count(alice)).toBe(holds ? 1 : 0);
    close?.();
    expect(streams.count(alice)).toBe(0);
  });

  it('refuses the identity its max + 1st stream (429), not another identity, and frees a slot once', () => {
    const streams = new IdentityStreams(2);
    const events = req('GET', '/v1.41/events');
    const a = streams.open(alice, events);
    const b = streams.open(alice, events);
    expect(refusalStatus(() => streams.open(alice, events))).toBe(429);
    expect(refusalStatus(() => streams.open(alice, req('GET', '/v1.41/containers/json')))).toBe(0);
    expect(refusalStatus(() => streams.open(bob, events))).toBe(0);
    a?.();
    a?.();
    expect(streams.count(alice)).toBe(1);
    expect(refusalStatus(() => streams.open(alice, events))).toBe(0);
    expect(refusalStatus(() => streams.open(alice, events))).toBe(429);
    b?.();
  });
});

describe('IdentityRequests', () => {
  it('refuses the identity its max + 1st request in progress (429, naming the limit), not another identity, and frees a slot once', () => {
    const requests = new IdentityRequests(2);
    const a = requests.open(alice);
    requests.open(alice);
    expect(refusalStatus(() => requests.open(alice))).toBe(429);
    expect(() => requests.open(alice)).toThrow('dockgate: 2 requests of yours are already in progress (limits.requestsPerIdentity)');
    expect(refusalStatus(() => requests.open(bob))).toBe(0);
    a();
    a();
    expect(refusalStatus(() => requests.open(alice))).toBe(0);
    expect(refusalStatus(() => requests.open(alice))).toBe(429);
  });
});

describe('Exchange: what it holds', () => {
  const observer = { requestFinished: () => undefined } as unknown as Observer;
  const request = { socket: { remoteAddress: '127.0.0.1', remotePort: 1 }, headers: {} } as unknown as IncomingMessage;
  it('a request slot is held past the daemon\'s answer (releaseHeld) until the exchange ends; locks go at releaseHeld', () => {
    const exchange = new Exchange(observer, request, alice);
    const freed: string[] = [];
    exchange.hold(() => freed.push('lock'));
    exchange.holdUntilEnd(() => freed.push('slot'));
    exchange.releaseHeld();
    expect(freed).toEqual(['lock']);
    exchange.finish('allow', 200, 0, 0);
    expect(freed).toEqual(['lock', 'slot']);
    exchange.holdUntilEnd(() => freed.push('late'));
    expect(freed).toEqual(['lock', 'slot', 'late']);
  });
});
