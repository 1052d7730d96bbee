/** withinQuota's lock and containerIds' filter (found by a mutation review). */
import { describe, expect, it } from 'vitest';
import type { TenancyContext } from '../../../src/tenancy/context.js';
import type { DaemonAnswer } from '../../../src/tenancy/daemon-client.js';
import { forward } from '../../../src/tenancy/hook.js';
import { KeyedMutex } from '../../../src/tenancy/keyed-mutex.js';
import { isFree } from './lock-probe.js';
import { containerIds, withinQuota } from '../../../src/tenancy/quota.js';

const ctxWith = (locks: KeyedMutex, get: (path: string) => Promise<DaemonAnswer> = () => Promise.reject(new Error('unused'))): TenancyContext =>
  ({ locks, tenant: { name: 'alice' }, req: { method: 'POST', facts: {} }, daemon: { get } }) as unknown as TenancyContext;

describe('withinQuota', () => {
  it.each<[string, number | undefined, () => Promise<number>, string, boolean]>([
    ['under the quota: forwarded, the lock held until the daemon has answered', 2, async () => 1, 'forward', true],
    ['at the quota: refused, the lock freed', 2, async () => 2, 'deny', false],
    ['no quota: forwarded without a lock', undefined, async () => 5, 'forward', false],
    ['the count fails: rethrown, the lock freed', 2, () => Promise.reject(new Error('daemon gone')), 'throw', false],
  ])('%s', async (_name, max, count, want, heldAfter) => {
    const locks = new KeyedMutex();
    const got = await withinQuota(ctxWith(locks), 'alice', max, 'container', count, forward()).then(
      (v) => v,
      () => undefined,
    );
    expect(got?.kind ?? 'throw').toBe(want);
    expect(await isFree(locks, 'alice')).toBe(!heldAfter);
    if (got?.kind === 'forward') got.release?.();
    expect(await isFree(locks, 'alice')).toBe(true);
  });
});

describe('containerIds', () => {
  it.each<[boolean, string[] | undefined]>([
    [true, ['running', 'paused', 'restarting']],
    [false, undefined],
  ])('live only: %s asks for status %j', async (runningOnly, status) => {
    const asked: string[] = [];
    const get = (path: string): Promise<DaemonAnswer> => {
      asked.push(path);
      return Promise.resolve({ status: 200, json: [{ Id: 'a1' }, { Names: ['/x'] }], raw: Buffer.alloc(0), contentType: 'application/json' });
    };
    expect(await containerIds(ctxWith(new KeyedMutex(), get), runningOnly)).toEqual(['a1', '']);
    const filters = JSON.parse(decodeURIComponent(asked[0]?.split('filters=')[1] ?? '')) as { status?: string[]; label: string[] };
    expect(filters).toEqual({ label: ['dockgate.owner=alice'], ...(status ? { status } : {}) });
  });
});
