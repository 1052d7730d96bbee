/**
 * `Expect: 100-continue`: the gateway sends the `100 Continue` only when it is about to read
 * the body, once, and never on a response already answered or gone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { awaitContinue, awaitsContinue, sendContinue } from '../../../src/server/expect-continue.js';

function response(state: { headersSent?: boolean; destroyed?: boolean } = {}): ServerResponse & { continues: number } {
  const res = {
    continues: 0,
    headersSent: state.headersSent ?? false,
    destroyed: state.destroyed ?? false,
    writeContinue() {
      res.continues += 1;
    },
  };
  return res as unknown as ServerResponse & { continues: number };
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
