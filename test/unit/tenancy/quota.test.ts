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
    const got = await withinQuota(ctxWith(locks), 'containers-quota', max, 'container', count, forward()).then(
      (v) => v,
      () => undefined,
    );
    expect(got?.kind ?? 'throw').toBe(want);
    expect(await isFree(locks, 'containers-quota', 'alice')).toBe(!heldAfter);
    if (got?.kind === 'forward') got.release?.();
    expect(await isFree(locks, 'containers-quota', 'alice')).toBe(true);
  });
});

describe('containerIds', () => {
  it.each<[boolean, string[] | undefined]>([
    [true, ['running', 'paused', 'restarting']],
    [false, undefined],
  ])('live only: %s asks for status %j', async (runningOnly, status) => {
    const asked: string[] = [];
    const IMAGE = `sha256:${'1'.repeat(64)}`;
    const own = { 'dockgate.owner': 'alice', 'dockgate.team': 'web', 'dockgate.created': 'c0' };
    const list = [
      { Id: 'a1', ImageID: IMAGE, Labels: own },
      // What the owner label selects but does not prove: a classic-build RUN container
      // (its image's labels), one made before the proof existed, an empty mark (an admin
      // service's task), one whose image is not a full ID, a builder step's.
      { Id: 'b1', ImageID: IMAGE, Labels: { ...own, 'dockgate.created': 'i0' } },
      { Id: 'b2', ImageID: IMAGE, Labels: { 'dockgate.owner': 'alice', 'dockgate.team': 'web' } },
      { Id: 'b4', ImageID: IMAGE, Labels: { ...own, 'dockgate.created': '' } },
      { Id: 'b5', ImageID: 'busybox', Labels: own },
      { Id: 'b6', ImageID: IMAGE, Labels: own, Command: '/bin/sh -c #(nop) LABEL x=y' },
      // One whose image is gone has no owner, but still counts for the owner its labels name:
      // removing the image frees no quota (rev-seal2 F3).
      { Id: 'a3', ImageID: `sha256:${'2'.repeat(64)}`, Labels: own },
      { Names: ['/x'] },
    ];
    const get = (path: string): Promise<DaemonAnswer> => {
      asked.push(path);
      if (path === `/images/${IMAGE}/json`) return Promise.resolve({ status: 200, json: { Id: IMAGE, Config: { Labels: { 'dockgate.created': 'i0' } } }, raw: Buffer.alloc(0), contentType: 'application/json' });
      if (path.startsWith('/images/')) return Promise.resolve({ status: 404, json: { message: 'No such image' }, raw: Buffer.alloc(0), contentType: 'application/json' });
      return Promise.resolve({ status: 200, json: list, raw: Buffer.alloc(0), contentType: 'application/json' });
    };
    expect(await containerIds(ctxWith(new KeyedMutex(), get), runningOnly)).toEqual(['a1', 'a3']);
    const filters = JSON.parse(decodeURIComponent(asked[0]?.split('filters=')[1] ?? '')) as { status?: string[]; label: string[] };
    expect(filters).toEqual({ label: ['dockgate.owner=alice', 'dockgate.created'], ...(status ? { status } : {}) });
  });
});
