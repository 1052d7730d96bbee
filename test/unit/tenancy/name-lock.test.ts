/** underNameLock and LiveSlots: the locks and live counts tenancy holds until the daemon has answered (found by a mutation review). */
import { describe, expect, it } from 'vitest';
import type { TenancyContext } from '../../../src/tenancy/context.js';
import { deny, forward, type TenancyVerdict } from '../../../src/tenancy/hook.js';
import { KeyedMutex } from '../../../src/tenancy/keyed-mutex.js';
import { isFree } from './lock-probe.js';
import { LiveSlots } from '../../../src/tenancy/live-slots.js';
import { underNameLock } from '../../../src/tenancy/name-lock.js';

const ctxWith = (locks: KeyedMutex): TenancyContext => ({ locks }) as unknown as TenancyContext;

describe('underNameLock', () => {
  type Case = [string, () => Promise<TenancyVerdict>, { heldAfterAdmit: boolean; innerCalls: number }];
  const cases: Case[] = [
    ['a forward verdict keeps the lock until its release, which also runs its own', async () => ({ ...forward(), release: () => calls.push('inner') }), { heldAfterAdmit: true, innerCalls: 1 }],
    ['a forward verdict without a release of its own', async () => forward(), { heldAfterAdmit: true, innerCalls: 0 }],
    ['a refusal frees the lock at once', async () => deny(403, 'not-owner', 'no'), { heldAfterAdmit: false, innerCalls: 0 }],
  ];
  let calls: string[] = [];
  it.each(cases)('%s', async (_name, admit, want) => {
    calls = [];
    const locks = new KeyedMutex();
    const verdict = await underNameLock(ctxWith(locks), 'volume', 'data', admit);
    expect(await isFree(locks, 'volume-name', 'data')).toBe(!want.heldAfterAdmit);
    if (verdict.kind === 'forward') verdict.release?.();
    expect(calls.length).toBe(want.innerCalls);
    expect(await isFree(locks, 'volume-name', 'data')).toBe(true);
  });

  it('a failing admission frees the lock and rethrows', async () => {
    const locks = new KeyedMutex();
    await expect(underNameLock(ctxWith(locks), 'network', 'n', async () => Promise.reject(new Error('daemon gone')))).rejects.toThrow('daemon gone');
    expect(await isFree(locks, 'network-name', 'n')).toBe(true);
  });

  it('a second create of the name is admitted only once the first one\'s daemon request is done', async () => {
    const locks = new KeyedMutex();
    const ctx = ctxWith(locks);
    const first = await underNameLock(ctx, 'volume', 'data', async () => forward());
    const order: string[] = [];
    const second = underNameLock(ctx, 'volume', 'data', async () => {
      order.push('second admitted');
      return forward();
    });
    await new Promise((resolve) => setImmediate(resolve));
    order.push('first answered');
    if (first.kind === 'forward') first.release?.();
    await second;
    expect(order).toEqual(['first answered', 'second admitted']);
  });
});

describe('LiveSlots', () => {
  type Step = ['hold', string, string] | ['release', number];
  const cases: Array<[string, Step[], Record<string, string[]>]> = [
    ['held until released', [['hold', 'alice', 'a1']], { alice: ['a1'], bob: [] }],
    ['released', [['hold', 'alice', 'a1'], ['release', 0]], { alice: [] }],
    ['two holds of one container: it stays live until both are released', [['hold', 'alice', 'a1'], ['hold', 'alice', 'a1'], ['release', 0]], { alice: ['a1'] }],
    ['a second release of one hold does not release another', [['hold', 'alice', 'a1'], ['hold', 'alice', 'a1'], ['release', 0], ['release', 0]], { alice: ['a1'] }],
    ['both released', [['hold', 'alice', 'a1'], ['hold', 'alice', 'a1'], ['release', 1], ['release', 0]], { alice: [] }],
    ['per owner', [['hold', 'alice', 'a1'], ['hold', 'bob', 'b1'], ['hold', 'alice', 'a2'], ['release', 0]], { alice: ['a2'], bob: ['b1'] }],
  ];
  it.each(cases)('%s', (_name, steps, want) => {
    const slots = new LiveSlots();
    const releases: Array<() => void> = [];
    for (const step of steps) {
      if (step[0] === 'hold') releases.push(slots.hold(step[1], step[2]));
      else releases[step[1]]?.();
    }
    for (const [owner, ids] of Object.entries(want)) expect([...slots.held(owner)].sort()).toEqual(ids);
  });
});
