/** Locks per key (keyed-mutex.ts): one key serialised, other keys and other kinds of lock free. */
import { describe, expect, it } from 'vitest';
import { KeyedMutex, type LockKind } from '../../../src/tenancy/keyed-mutex.js';
import { isFree } from './lock-probe.js';

describe('keyed mutex', () => {
  it('serialises one key and not others', async () => {
    const m = new KeyedMutex();
    const order: string[] = [];
    const r1 = await m.acquire('volume-name', 'a');
    const p2 = m.acquire('volume-name', 'a').then((r) => {
      order.push('a2');
      r();
    });
    const rb = await m.acquire('volume-name', 'b');
    order.push('b');
    rb();
    order.push('a1-release');
    r1();
    await p2;
    expect(order).toEqual(['b', 'a1-release', 'a2']);
  });

  // Names come from clients: a certificate named `container-name:web1` creating a container
  // `web1` waited under its quota lock for its own name lock, for good (rev-identity F1).
  it.each<[LockKind, string, LockKind, string]>([
    ['containers-quota', 'container-name:web1', 'container-name', 'web1'],
    ['containers-quota', 'volume-name:data', 'volume-name', 'data'],
    ['containers-quota', 'running:bob', 'running-quota', 'bob'],
    ['containers-quota', 'networks:bob', 'networks-quota', 'bob'],
    ['running-quota', 'bob', 'containers-quota', 'bob'],
    ['update', 'abc', 'container-name', 'abc'],
  ])('a %s lock on %j leaves the %s lock on %j free', async (heldKind, heldName, kind, name) => {
    const m = new KeyedMutex();
    const held = await m.acquire(heldKind, heldName);
    expect(await isFree(m, kind, name)).toBe(true);
    expect(await isFree(m, heldKind, heldName)).toBe(false);
    held();
    expect(await isFree(m, heldKind, heldName)).toBe(true);
  });
});
