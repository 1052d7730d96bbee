/**
 * endRawSocket(): write the answer and half-close; a client that has not closed its side within
 * RAW_ANSWER_GRACE_MS (5 s) has the connection destroyed, so refused upgrades cannot hold
 * descriptors for good.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { endRawSocket, RAW_ANSWER_GRACE_MS } from '../../../src/http/end-raw-socket.js';
import { unrefCount } from './unref-count.js';

class FakeSocket extends EventEmitter {
  destroyed = false;
  ended: Array<string | Buffer> = [];
  destroys = 0;
  end(answer: string | Buffer): this {
    this.ended.push(answer);
    return this;
  }
  destroy(): this {
    this.destroys += 1;
    this.destroyed = true;
    return this;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('endRawSocket', () => {
  it('the grace is 5 s', () => {
    expect(RAW_ANSWER_GRACE_MS).toBe(5000);
  });

  it('ends with the answer and destroys the socket once the grace is over', () => {
    vi.useFakeTimers();
    const s = new FakeSocket();
    endRawSocket(s as unknown as Duplex, 'answer');
    expect(s.ended).toEqual(['answer']);
    vi.advanceTimersByTime(RAW_ANSWER_GRACE_MS - 1);
    expect(s.destroys).toBe(0);
    vi.advanceTimersByTime(1);
    expect(s.destroys).toBe(1);
  });

  it('a socket closed within the grace is not destroyed', () => {
    vi.useFakeTimers();
    const s = new FakeSocket();
    endRawSocket(s as unknown as Duplex, Buffer.from('answer'));
    s.emit('close');
    vi.advanceTimersByTime(RAW_ANSWER_GRACE_MS * 2);
    expect(s.destroys).toBe(0);
  });

  it('a socket already destroyed is left alone', () => {
    vi.useFakeTimers();
    const s = new FakeSocket();
    s.destroyed = true;
    endRawSocket(s as unknown as Duplex, 'answer');
    vi.advanceTimersByTime(RAW_ANSWER_GRACE_MS);
    expect([s.ended, s.destroys]).toEqual([[], 0]);
  });

  it('the timer does not keep the process alive', () => {
    const s = new FakeSocket();
    expect(unrefCount(() => endRawSocket(s as unknown as Duplex, 'answer'))).toBe(1);
    s.emit('close');
  });
});
