/**
 * The forwarder's hooks of an allowed exchange (exchange-hooks.ts), made outside the request's
 * closures so that a long-lived stream keeps only them: what each call does to the exchange and
 * its record (stream, headersMs, upstreamError, what is held) is what the closures did.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EndedBy, Observer, RequestRecord } from '../../../src/core/observer.js';
import type { Decision } from '../../../src/core/types.js';
import type { AnswerWatch, DaemonSide, ForwardHooks } from '../../../src/proxy/forward-hooks.js';
import { cutConnection, cutReason } from '../../../src/server/connection-cuts.js';
import { Exchange } from '../../../src/server/exchange.js';
import { exchangeHooks, streamedBodyCounter, untilAnsweredOf } from '../../../src/server/exchange-hooks.js';
import { awaitContinue, sendContinue } from '../../../src/server/expect-continue.js';
import { identity } from '../policy/fixtures.js';

const ALLOW: Decision = { forward: true, outcome: 'allow', rule: 'ops', code: 'allowed', reason: 'allowed by rule "ops"' };

type Step = 'headers' | 'error-failed' | 'error-unreachable' | 'error-enoent' | 'body-idle' | 'finish';

interface Seen {
  record?: Pick<RequestRecord, 'stream' | 'upstreamError' | 'bytesIn'> & { headersSent: boolean };
  /** Events in order: body released, stream opened/closed, held released, upstream errors reported, the API range told. */
  events: string[];
  cut?: EndedBy | undefined;
}

/** Run `steps` on the hooks of an allowed exchange (`streamName`: the operation streams). */
function run(streamName: string | undefined, steps: Step[], withBody = true): Seen {
  const events: string[] = [];
  let record: RequestRecord | undefined;
  const observer = {
    requestFinished: (r: RequestRecord) => (record = r),
    streamOpened: (op: string, hijack: boolean) => {
      events.push(`stream ${op} ${hijack}`);
      return () => events.push(`stream closed ${op}`);
    },
    upstreamError: (kind: string, detail?: string) => events.push(`upstream ${kind} ${detail}`),
  } as unknown as Observer;
  const socket = Object.assign(new PassThrough(), { remoteAddress: '127.0.0.1', remotePort: 1 });
  const req = { socket, headers: {}, method: 'GET', url: '/v1.41/events' } as unknown as IncomingMessage;
  const exchange = new Exchange(observer, req, identity('ops'));
  exchange.decided({ method: 'GET', rawTarget: '/v1.41/events', path: '/events', params: {}, query: {}, queryAll: {} }, ALLOW, 'abc');
  exchange.hold(() => events.push('held released'));
  const apiRange = { notReached: (code: string | undefined) => events.push(`range not reached ${code}`) };
  const hooks = exchangeHooks({ exchange, observer, apiRange, req, streamName, releaseBody: withBody ? () => events.push('body released') : undefined, untilAnswered: undefined, answerWatch: undefined });
  const count = streamedBodyCounter(exchange);
  count(Buffer.alloc(7));
  for (const step of steps) {
    if (step === 'headers') hooks.onHeaders(200);
    else if (step === 'error-failed') hooks.onError('failed', Object.assign(new Error('x'), { code: 'ECONNRESET' }));
    else if (step === 'error-unreachable') hooks.onError('unreachable', new Error('no daemon'));
    else if (step === 'error-enoent') hooks.onError('unreachable', Object.assign(new Error('gone'), { code: 'ENOENT' }));
    else if (step === 'body-idle') hooks.onBodyIdle?.();
    else exchange.finish(exchange.decision?.outcome ?? 'error', 200, exchange.bodyBytes, 10);
  }
  const seen: Seen = { events, cut: cutReason(socket) };
  if (record) seen.record = { stream: record.stream, upstreamError: record.upstreamError, bytesIn: record.bytesIn, headersSent: record.headersMs !== undefined };
  return seen;
}

describe('exchangeHooks', () => {
  it.each<[string, string | undefined, Step[], Seen]>([
    ['a stream: counted open from its headers to the end, held until the end', 'SystemEvents', ['headers', 'finish'], {
      events: ['body released', 'stream SystemEvents false', 'held released', 'stream closed SystemEvents'],
      record: { stream: true, upstreamError: undefined, bytesIn: 7, headersSent: true },
      cut: undefined,
    }],
    ['not a stream: what it holds goes with the headers', undefined, ['headers', 'finish'], {
      events: ['body released', 'held released'],
      record: { stream: false, upstreamError: undefined, bytesIn: 7, headersSent: true },
      cut: undefined,
    }],
    ['the body is given back once, headers twice', undefined, ['headers', 'headers', 'finish'], {
      events: ['body released', 'held released'],
      record: { stream: false, upstreamError: undefined, bytesIn: 7, headersSent: true },
      cut: undefined,
    }],
    ['the first daemon error is recorded, each is reported', 'SystemEvents', ['error-unreachable', 'error-failed', 'finish'], {
      events: ['upstream unreachable no daemon', 'range not reached undefined', 'upstream failed ECONNRESET', 'held released'],
      record: { stream: false, upstreamError: 'unreachable: no daemon', bytesIn: 7, headersSent: true },
      cut: undefined,
    }],
    ['an unreachable daemon tells the API range its error code (a failed request does not)', undefined, ['error-failed', 'error-enoent', 'finish'], {
      events: ['upstream failed ECONNRESET', 'upstream unreachable ENOENT', 'range not reached ENOENT', 'held released'],
      record: { stream: false, upstreamError: 'failed: ECONNRESET', bytesIn: 7, headersSent: true },
      cut: undefined,
    }],
    ['a streamed body gone idle cuts the connection as body-idle', undefined, ['body-idle'], { events: [], cut: 'body-idle' }],
  ])('%s', (_name, streamName, steps, seen) => {
    expect(run(streamName, steps)).toEqual(seen);
  });

  it('without an inspected body there is nothing to give back', () => {
    expect(run('SystemEvents', ['headers', 'finish'], false).events).toEqual(['stream SystemEvents false', 'held released', 'stream closed SystemEvents']);
  });
});

/** The hooks of an allowed exchange of `req`, with the given wait for the daemon and answer watch. */
function hooksOf(req: IncomingMessage, untilAnswered: ForwardHooks['untilAnswered'], answerWatch: AnswerWatch | undefined): ForwardHooks {
  const observer = { requestFinished: () => undefined } as unknown as Observer;
  const exchange = new Exchange(observer, req, identity('ops'));
  const apiRange = { notReached: () => undefined };
  return exchangeHooks({ exchange, observer, apiRange, req, streamName: undefined, releaseBody: undefined, untilAnswered, answerWatch });
}

const request = (): IncomingMessage => ({ socket: new PassThrough(), headers: {}, method: 'POST', url: '/v1.41/build' }) as unknown as IncomingMessage;

describe('exchangeHooks: the answer watch is kept only with the wait for the daemon', () => {
  const until: NonNullable<ForwardHooks['untilAnswered']> = { toTheEnd: true, left: () => undefined, settled: () => undefined };
  const watch: AnswerWatch = { seen: () => undefined, ended: () => Promise.resolve(undefined) };
  // A watch without untilAnswered would hold nothing for a client that left first (ForwardHooks.answerWatch).
  it.each<[string, boolean, boolean, { untilAnswered: 'given' | 'none'; answerWatch: 'given' | 'none' }]>([
    ['both given: both kept', true, true, { untilAnswered: 'given', answerWatch: 'given' }],
    ['a watch without untilAnswered is dropped', false, true, { untilAnswered: 'none', answerWatch: 'none' }],
    ['untilAnswered without a watch: no watch', true, false, { untilAnswered: 'given', answerWatch: 'none' }],
    ['neither: neither', false, false, { untilAnswered: 'none', answerWatch: 'none' }],
  ])('%s', (_name, withUntil, withWatch, kept) => {
    const hooks = hooksOf(request(), withUntil ? until : undefined, withWatch ? watch : undefined);
    expect({
      untilAnswered: hooks.untilAnswered === until ? 'given' : hooks.untilAnswered === undefined ? 'none' : 'other',
      answerWatch: hooks.answerWatch === watch ? 'given' : hooks.answerWatch === undefined ? 'none' : 'other',
    }).toEqual(kept);
  });
});

describe('exchangeHooks: a streamed body\'s idle time starts once its 100 Continue is written (rev-fix-http F4)', () => {
  it.each<[string, 'none owed' | 'on its way' | 'written already', string[]]>([
    ['no 100 owed: at once', 'none owed', ['idle time starts']],
    ['a 100 on its way (queued behind an earlier answer): once it is written', 'on its way', ['100 written', 'idle time starts']],
    ['a 100 written already: at once', 'written already', ['100 written', 'idle time starts']],
  ])('%s', (_name, owed, expected) => {
    const events: string[] = [];
    const req = request();
    let written = (): void => undefined;
    const res = { headersSent: false, destroyed: false, writeContinue: (cb: () => void) => (written = cb) } as unknown as ServerResponse;
    const write100 = (): void => {
      events.push('100 written');
      written();
    };
    if (owed !== 'none owed') {
      awaitContinue(req);
      sendContinue(req, res);
    }
    if (owed === 'written already') write100();
    hooksOf(req, undefined, undefined).bodyIdleFrom?.(() => events.push('idle time starts'));
    if (owed === 'on its way') write100();
    expect(events).toEqual(expected);
  });
});

describe('untilAnsweredOf', () => {
  /** The reason the record of an exchange whose client left ends with, once the daemon's side settled. */
  function settledReason(streaming: boolean, side: DaemonSide, cut?: EndedBy): { toTheEnd: boolean; reason: string | undefined } {
    let record: RequestRecord | undefined;
    const observer = { requestFinished: (r: RequestRecord) => (record = r) } as unknown as Observer;
    const socket = Object.assign(new PassThrough(), { remoteAddress: '127.0.0.1', remotePort: 1 });
    const req = { socket, headers: {}, method: 'POST', url: '/v1.41/containers/create' } as unknown as IncomingMessage;
    const exchange = new Exchange(observer, req, identity('ops'));
    exchange.decision = ALLOW;
    const until = untilAnsweredOf(exchange, req, streaming);
    until.left();
    if (cut) cutConnection(socket, cut);
    exchange.finish('allow', 0, 0, 0);
    until.settled(side);
    return { toTheEnd: until.toTheEnd, reason: record?.reason };
  }

  it.each<[string, boolean, DaemonSide, EndedBy | undefined, string]>([
    ['answered', false, { kind: 'answered', status: 201 }, undefined, 'allowed by rule "ops"; the client left before the answer; the daemon answered 201 (discarded)'],
    ['a stream answered', true, { kind: 'answered', status: 200 }, undefined, 'allowed by rule "ops"; the client left before the end of the answer; the daemon answered 200, read to its end (discarded)'],
    ['failed', false, { kind: 'failed' }, undefined, 'allowed by rule "ops"; the client left before the answer; the daemon request failed'],
    ['cut off', true, { kind: 'cut' }, undefined, 'allowed by rule "ops"; the client left before its request had gone to the daemon whole; the daemon request was cut off'],
    ['the gateway cut it (revoked)', false, { kind: 'failed' }, 'revoked', 'allowed by rule "ops"; the gateway closed the client connection (revoked) before the answer; the daemon request failed'],
  ])('%s', (_name, streaming, side, cut, reason) => {
    expect(settledReason(streaming, side, cut)).toEqual({ toTheEnd: streaming, reason });
  });
});
