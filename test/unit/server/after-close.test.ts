import { PassThrough } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { afterClose, answerOwedBehindExpect, arrivesAfterClose, closesConnection, whenAnswered, type AnswerState, type ConnectionState } from '../../../src/server/after-close.js';

const keepAlive: AnswerState = { shouldKeepAlive: true, _last: false };
/** The client's `Connection: close` or HTTP/1.0, or an unread Expect body: known before the head. */
const clientClose: AnswerState = { shouldKeepAlive: false, _last: false };
/** A head written with `Connection: close` (the gateway's closing refusal, Node's 400 without Host). */
const closingHead: AnswerState = { shouldKeepAlive: true, _last: true };

describe('closesConnection', () => {
  const cases: Array<[string, AnswerState | undefined | null, boolean]> = [
    ['no answer', undefined, false],
    ['none owns the socket', null, false],
    ['keep-alive', keepAlive, false],
    ['client close / HTTP/1.0 / unread Expect body', clientClose, true],
    ['head written with Connection: close', closingHead, true],
    ['Node before any head (no _last yet)', { shouldKeepAlive: true }, false],
  ];
  it.each(cases)('%s', (_name, answer, want) => {
    expect(closesConnection(answer)).toBe(want);
  });
});

describe('arrivesAfterClose', () => {
  const cases: Array<[string, ConnectionState, boolean]> = [
    ['first request on a connection', { writable: true }, false],
    ['keep-alive after a finished answer', { writable: true, previous: keepAlive }, false],
    ['the closing answer is done: the connection is ending', { writable: false, previous: clientClose }, true],
    ['gone', { writable: false }, true],
    ['pipelined behind a keep-alive answer in progress', { writable: true, owner: keepAlive, previous: keepAlive }, false],
    ['behind a closing answer in progress', { writable: true, owner: closingHead, previous: closingHead }, true],
    ['behind a request with Connection: close, its answer not begun', { writable: true, owner: clientClose, previous: clientClose }, true],
    ['behind Node\'s own 400 (never handed over) in progress', { writable: true, owner: closingHead, previous: keepAlive }, true],
    ['a closing answer queued behind a stream', { writable: true, owner: keepAlive, previous: closingHead }, true],
  ];
  it.each(cases)('%s', (_name, conn, want) => {
    expect(arrivesAfterClose(conn)).toBe(want);
  });
});

/** A socket as Node's server leaves it: `_httpMessage` is the response being written. */
function socketOwnedBy(owner: ServerResponse | null): PassThrough & { _httpMessage: ServerResponse | null } {
  return Object.assign(new PassThrough(), { _httpMessage: owner });
}

function response(state: AnswerState): ServerResponse {
  return Object.assign(new EventEmitter(), state) as unknown as ServerResponse;
}

describe('afterClose', () => {
  it('a request does not come after its own Connection: close; the next one does, and so does every one after it', () => {
    const first = response(clientClose);
    const socket = socketOwnedBy(first);
    expect(afterClose(socket, first)).toBe(false);
    const second = response(keepAlive);
    expect(afterClose(socket, second)).toBe(true);
    // The one after a request that came after a close is checked against the closing one.
    socket._httpMessage = null;
    expect(afterClose(socket, response(keepAlive))).toBe(true);
  });
});

describe('whenAnswered', () => {
  it('runs at once when no answer owns the socket, else after each queued answer in turn', () => {
    const socket = socketOwnedBy(null);
    const ran: string[] = [];
    whenAnswered(socket, () => ran.push('idle'));
    expect(ran).toEqual(['idle']);
    const a = response(keepAlive);
    const b = response(keepAlive);
    socket._httpMessage = a;
    whenAnswered(socket, () => ran.push('after'));
    // Node hands the socket to the next queued answer before the finished one's 'close'.
    socket._httpMessage = b;
    a.emit('close');
    expect(ran).toEqual(['idle']);
    socket._httpMessage = null;
    b.emit('close');
    expect(ran).toEqual(['idle', 'after']);
  });

  it('runs when the connection closed under an answer in progress', () => {
    const a = response(keepAlive);
    const socket = socketOwnedBy(a);
    const ran: string[] = [];
    whenAnswered(socket, () => ran.push('closed'));
    socket.destroy();
    a.emit('close');
    expect(ran).toEqual(['closed']);
  });
});

describe('answerOwedBehindExpect', () => {
  /** A response to a request with headers `headers`, in state `state`. */
  const answer = (headers: Record<string, string>, state: Partial<{ writableFinished: boolean; destroyed: boolean }> = {}): ServerResponse =>
    Object.assign(new EventEmitter(), keepAlive, { req: { headers }, writableFinished: false, destroyed: false }, state) as unknown as ServerResponse;
  const cases: Array<[string, ServerResponse | undefined, boolean]> = [
    ['no request before', undefined, false],
    ['the request before carries Expect: 100-continue, its answer not done', answer({ expect: '100-continue' }), true],
    ['Expect in another case', answer({ expect: '100-Continue' }), true],
    ['the request before has no Expect', answer({}), false],
    ['another expectation', answer({ expect: 'something-else' }), false],
    ['its answer is done', answer({ expect: '100-continue' }, { writableFinished: true }), false],
    ['its answer was destroyed', answer({ expect: '100-continue' }, { destroyed: true }), false],
  ];
  it.each(cases)('%s', (_name, previous, owed) => {
    const socket = socketOwnedBy(previous ?? null);
    if (previous) expect(afterClose(socket, previous)).toBe(false);
    const res = answer({});
    expect(answerOwedBehindExpect(socket, res)).toBe(owed ? previous : undefined);
  });

  it('a request never waits for its own answer', () => {
    const res = answer({ expect: '100-continue' });
    const socket = socketOwnedBy(res);
    expect(afterClose(socket, res)).toBe(false);
    expect(answerOwedBehindExpect(socket, res)).toBe(undefined);
  });
});
