import { describe, expect, it } from 'vitest';
import { createDaemonApiRange, UnusableApiRange } from '../../../src/runtime/daemon-api-range.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';

const UPSTREAM = 'unix:///run/docker.sock';

/** A daemon whose `/version` answers what `answers` holds next (an Error rejects). */
function fakeDaemon(answers: (Record<string, unknown> | Error)[]): DaemonClient & { reads: number } {
  const d = {
    reads: 0,
    get(path: string): Promise<DaemonAnswer> {
      expect(path).toBe('/version');
      d.reads += 1;
      const next = answers.shift();
      if (next instanceof Error || next === undefined) return Promise.reject(next ?? new Error('no answer'));
      return Promise.resolve({ status: 200, json: next, raw: Buffer.from(JSON.stringify(next)), contentType: 'application/json' });
    },
  };
  return d;
}

const V2010 = { ApiVersion: '1.41', MinAPIVersion: '1.12' };
const V28 = { ApiVersion: '1.48', MinAPIVersion: '1.24' };
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('createDaemonApiRange', () => {
  it('is unknown until read; concurrent reads are one; later gets do not read', async () => {
    const daemon = fakeDaemon([V2010]);
    const range = createDaemonApiRange(daemon, UPSTREAM);
    expect(range.current()).toBeUndefined();
    const [a, b] = await Promise.all([range.get(), range.get()]);
    expect(a).toEqual({ min: '1.12', max: '1.41' });
    expect(b).toBe(a);
    await range.get();
    expect(daemon.reads).toBe(1);
  });

  it('a failed read rejects and leaves it unknown; the next get reads again', async () => {
    const daemon = fakeDaemon([new Error('ECONNREFUSED'), V2010]);
    const range = createDaemonApiRange(daemon, UPSTREAM);
    await expect(range.get()).rejects.toThrow('ECONNREFUSED');
    expect(range.current()).toBeUndefined();
    expect(await range.get()).toMatchObject({ max: '1.41' });
  });

  it('an answer without the versions is a failed read', async () => {
    const range = createDaemonApiRange(fakeDaemon([{ ApiVersion: '1.41' }]), UPSTREAM);
    await expect(range.get()).rejects.toThrow(UnusableApiRange);
  });

  it.each([
    ['the same API-Version, daemon up all along', '1.41', false, 1],
    ['no API-Version header, daemon up all along', undefined, false, 1],
    ['another API-Version', '1.48', false, 2],
    ['the daemon came back', '1.41', true, 2],
  ])('a ping with %s: reads %d time(s) in all', async (_what, header, cameBack, reads) => {
    const daemon = fakeDaemon([V2010, V28]);
    const range = createDaemonApiRange(daemon, UPSTREAM);
    await range.get();
    range.daemonAnswered(header, cameBack);
    await settle();
    expect(daemon.reads).toBe(reads);
    expect(range.current()?.max).toBe(reads === 2 ? '1.48' : '1.41');
  });

  it('a ping while unknown reads it; a failure goes to onError and keeps the last range', async () => {
    const errors: string[] = [];
    const daemon = fakeDaemon([V2010, new Error('EPIPE')]);
    const range = createDaemonApiRange(daemon, UPSTREAM, (e) => errors.push(e.message));
    range.daemonAnswered('1.41', false);
    await settle();
    expect(range.current()?.max).toBe('1.41');
    range.daemonAnswered('1.41', true);
    await settle();
    expect(errors).toEqual(['EPIPE']);
    expect(range.current()?.max).toBe('1.41');
  });

  it.each([
    ['ENOENT', true],
    ['ECONNREFUSED', true],
    ['EACCES', true],
    // A TCP upstream's name, host or network, or the kernel's connect timeout (upstream-errors.ts).
    ['ENOTFOUND', true],
    ['EAI_AGAIN', true],
    ['EHOSTUNREACH', true],
    ['ENETUNREACH', true],
    ['ETIMEDOUT', true],
    // A connection that was made, or a ping that timed out (no code): the daemon may be there, frozen or busy.
    ['ECONNRESET', false],
    ['EPIPE', false],
    [undefined, false],
  ])('an attempt that failed with %s: stale %s, and get reads again only then', async (code, stale) => {
    const daemon = fakeDaemon([V2010, V28]);
    const range = createDaemonApiRange(daemon, UPSTREAM);
    await range.get();
    range.notReached(code);
    expect(range.stale()).toBe(stale);
    expect(range.current()?.max).toBe('1.41');
    expect((await range.get()).max).toBe(stale ? '1.48' : '1.41');
    expect(range.stale()).toBe(false);
    expect(daemon.reads).toBe(stale ? 2 : 1);
  });

  it('a read that makes no connection keeps the range and makes it stale; one that answers makes it fresh', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /run/docker.sock'), { code: 'ECONNREFUSED' });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const daemon = fakeDaemon([V2010, refused, reset, V2010]);
    const range = createDaemonApiRange(daemon, UPSTREAM);
    range.daemonAnswered('1.41', true);
    await settle();
    expect([range.current()?.max, range.stale()]).toEqual(['1.41', false]);
    range.daemonAnswered('1.41', true);
    await settle();
    expect([range.current()?.max, range.stale()]).toEqual(['1.41', true]);
    // Still stale: read by the next get, which fails other than by not connecting.
    await expect(range.get()).rejects.toThrow('socket hang up');
    expect(range.stale()).toBe(true);
    // A ping answered with the same version, the daemon up at the ping before: stale, so read.
    range.daemonAnswered('1.41', false);
    await settle();
    expect([daemon.reads, range.stale()]).toEqual([4, false]);
  });

  it.each([
    ['ENOENT', 'connect', true],
    ['ENOTFOUND', 'getaddrinfo', true],
    ['EHOSTUNREACH', 'connect', true],
    ['ENETUNREACH', 'connect', true],
    ['ETIMEDOUT', 'connect', true],
    // An established connection the kernel timed out or an ICMP error ended: the daemon may have had the read.
    ['ETIMEDOUT', 'read', false],
    ['EHOSTUNREACH', 'read', false],
  ])('a read of the range failing with %s (%s): stale %s', async (code, syscall, stale) => {
    const failure = Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
    const daemon = fakeDaemon([V2010, failure]);
    const range = createDaemonApiRange(daemon, UPSTREAM);
    await range.get();
    range.daemonAnswered('1.41', true);
    await settle();
    expect([range.current()?.max, range.stale()]).toEqual(['1.41', stale]);
  });

  it('a read that began before a failed attempt does not make the range fresh', async () => {
    let answer: (a: DaemonAnswer) => void = () => undefined;
    const daemon: DaemonClient = { get: () => new Promise((r) => (answer = r)) };
    const range = createDaemonApiRange(daemon, UPSTREAM);
    const reading = range.get();
    range.notReached('ENOENT');
    answer({ status: 200, json: V28, raw: Buffer.from(''), contentType: 'application/json' });
    expect((await reading).max).toBe('1.48');
    expect(range.stale()).toBe(true);
  });
});
