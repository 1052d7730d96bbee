/**
 * Connections the gateway cut, and the records of the exchanges that were open on them: the
 * mark set before the destroy is what the record reads when the exchange ends, whatever the
 * path (a plain end, one awaiting the daemon's answer); the first reason stands.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EndedBy, Observer, RequestRecord } from '../../../src/core/observer.js';
import { cutConnection, cutReason } from '../../../src/server/connection-cuts.js';
import { Exchange } from '../../../src/server/exchange.js';
import { identity } from '../policy/fixtures.js';

/** A connection (a real Duplex) and what happens to it, in order. */
type Step = { cut: EndedBy } | 'client-left';

function connection(steps: Step[]): PassThrough {
  const socket = new PassThrough();
  for (const step of steps) {
    if (step === 'client-left') socket.destroy();
    else cutConnection(socket, step.cut);
  }
  return socket;
}

describe('cutConnection', () => {
  it.each<[string, Step[], EndedBy | undefined]>([
    ['never cut', [], undefined],
    ['revoked', [{ cut: 'revoked' }], 'revoked'],
    ['untrusted', [{ cut: 'untrusted' }], 'untrusted'],
    ['shutdown', [{ cut: 'shutdown' }], 'shutdown'],
    ['revoked, then the shutdown: the first reason stands', [{ cut: 'revoked' }, { cut: 'shutdown' }], 'revoked'],
    ['the client left first: nothing the gateway cut', ['client-left', { cut: 'shutdown' }], undefined],
  ])('%s', (_name, steps, want) => {
    const socket = connection(steps);
    expect([cutReason(socket), socket.destroyed]).toEqual([want, steps.length > 0]);
  });
});

describe('Exchange: endedBy in the record', () => {
  /** Run `order` on an exchange of a fresh connection; the record's endedBy (or 'no record'). */
  function ended(order: Array<'cut' | 'finish' | 'await-daemon' | 'daemon-answered'>, reason: EndedBy = 'revoked'): EndedBy | undefined | 'no record' {
    const records: RequestRecord[] = [];
    const observer = { requestFinished: (r: RequestRecord) => records.push(r) } as unknown as Observer;
    const socket = Object.assign(new PassThrough(), { remoteAddress: '127.0.0.1', remotePort: 1 });
    const exchange = new Exchange(observer, { socket, headers: {}, method: 'GET', url: '/v1.41/events' } as unknown as IncomingMessage, identity('bob'));
    for (const step of order) {
      if (step === 'cut') cutConnection(socket, reason);
      else if (step === 'finish') exchange.finish('allow', 200, 0, 10);
      else if (step === 'await-daemon') exchange.awaitDaemon();
      else exchange.daemonAnswered('the daemon answered 201');
    }
    return records.length === 1 ? records[0]?.endedBy : 'no record';
  }

  it.each<[string, Parameters<typeof ended>[0], EndedBy | undefined, EndedBy?]>([
    ['an exchange that ends by itself', ['finish'], undefined],
    ['one that ended before its connection was cut', ['finish', 'cut'], undefined],
    ['a stream open when its connection was cut as revoked', ['cut', 'finish'], 'revoked'],
    ['the same, cut as untrusted', ['cut', 'finish'], 'untrusted', 'untrusted'],
    ['the same, cut by the shutdown', ['cut', 'finish'], 'shutdown', 'shutdown'],
    ['a request awaiting the daemon when its connection was cut, recorded at the answer', ['await-daemon', 'cut', 'finish', 'daemon-answered'], 'revoked'],
  ])('%s', (_name, order, want, reason) => {
    expect(ended(order, reason)).toBe(want);
  });
});
