/**
 * `Expect: 100-continue`: the gateway sends the `100 Continue` only when it is about to read
 * the body, once, and never on a response already answered or gone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { afterContinue, awaitContinue, awaitsContinue, checkContinue, sendContinue } from '../../../src/server/expect-continue.js';

function response(state: { headersSent?: boolean; destroyed?: boolean } = {}): ServerResponse & { continues: number; written: () => void } {
  const res = {
    continues: 0,
    headersSent: state.headersSent ?? false,
    destroyed: state.destroyed ?? false,
    // The 100 reaching the socket (Node calls writeContinue's callback then).
    written: () => undefined as void,
    writeContinue(cb?: () => void) {
      res.continues += 1;
      if (cb) res.written = cb;
    },
  };
  return res as unknown as ServerResponse & { continues: number; written: () => void };
}

const req = (): IncomingMessage => ({}) as IncomingMessage;

describe('expect-continue', () => {
  it('a request not noted waits for nothing and gets no 100', () => {
    const r = req();
    const res = response();
    expect(awaitsContinue(r)).toBe(false);
    sendContinue(r, res);
    expect(res.continues).toBe(0);
  });

  it('a noted request waits, gets its 100 once, then waits no more', () => {
    const r = req();
    const res = response();
    awaitContinue(r);
    expect(awaitsContinue(r)).toBe(true);
    expect(awaitsContinue(req())).toBe(false);
    sendContinue(r, res);
    sendContinue(r, res);
    expect(res.continues).toBe(1);
    expect(awaitsContinue(r)).toBe(false);
  });

  it.each([
    ['already answered', { headersSent: true }],
    ['destroyed', { destroyed: true }],
  ])('no 100 on a response %s; the request no longer waits', (_label, state) => {
    const r = req();
    const res = response(state);
    awaitContinue(r);
    sendContinue(r, res);
    expect(res.continues).toBe(0);
    expect(awaitsContinue(r)).toBe(false);
  });
});

describe('checkContinue (Node found 100-continue in the joined Expect values)', () => {
  const request = (rawHeaders: string[], headers: Record<string, string> = {}, minor = 1): IncomingMessage =>
    ({ rawHeaders, headers, httpVersionMajor: 1, httpVersionMinor: minor }) as unknown as IncomingMessage;
  it.each([
    ['a body, 100-continue first', true, ['Expect', '100-continue'], { 'content-length': '3' }],
    ['a chunked body', true, ['Expect', '100-Continue'], { 'transfer-encoding': 'chunked' }],
    ['no body (Go sends no 100)', false, ['Expect', '100-continue'], {}],
    ['Content-Length: 0', false, ['Expect', '100-continue'], { 'content-length': '0' }],
    ['an empty first Expect (Go: none)', false, ['Expect', '', 'Expect', '100-continue'], { 'content-length': '3' }],
    ['another first Expect (Go: 417)', false, ['Expect', 'foo', 'Expect', '100-continue'], { 'content-length': '3' }],
  ])('%s: waits for a 100: %s', (_label, waits, raw, headers) => {
    const r = request(raw, headers);
    const res = { _expect_continue: true } as unknown as ServerResponse & { _expect_continue: boolean };
    checkContinue(r, res);
    expect(awaitsContinue(r)).toBe(waits);
    // Node closes the connection after an answer to a request it flagged and sent no 100: only
    // such a request stays flagged.
    expect(res._expect_continue).toBe(waits);
  });
});

describe('afterContinue (the idle time of a streamed body starts there: rev-fix-http F4)', () => {
  it('runs at once when no 100 is on its way', () => {
    let ran = 0;
    afterContinue(req(), () => (ran += 1));
    expect(ran).toBe(1);
  });

  it('waits for the 100 to be written to the socket (queued behind an earlier answer), then runs once', () => {
    const r = req();
    const res = response();
    awaitContinue(r);
    sendContinue(r, res);
    let ran = 0;
    afterContinue(r, () => (ran += 1));
    expect(ran).toBe(0);
    res.written();
    expect(ran).toBe(1);
    afterContinue(r, () => (ran += 1));
    expect(ran).toBe(2);
  });
});
