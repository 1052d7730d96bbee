import { describe, expect, it } from 'vitest';
import { BodyBudget, type BodyHold } from '../../../src/server/body-budget.js';
import { refusalStatus } from './refusal-status.js';

describe('BodyBudget', () => {
  // Steps on a budget of 100 bytes in all and 40 per identity:
  // [identity, request, declare or take, bytes, status, held in all after, held for the identity after].
  const steps: Array<[string, number, 'declare' | 'take', number, number, number, number]> = [
    ['alice', 1, 'declare', 30, 0, 0, 30], // announced: her share only
    ['alice', 1, 'take', 30, 0, 30, 30], // arrived within what was announced
    ['alice', 2, 'declare', 10, 0, 30, 40], // up to her share exactly
    ['alice', 3, 'declare', 1, 429, 30, 40], // one byte more for alice
    ['alice', 2, 'take', 10, 0, 40, 40],
    ['bob', 4, 'take', 40, 0, 80, 40], // chunked (nothing announced): arrivals take his share too
    ['bob', 4, 'take', 1, 429, 80, 40], // the identity's bound is checked first
    ['carol', 5, 'declare', 40, 0, 80, 40], // announcing costs the gateway nothing
    ['dave', 6, 'declare', 40, 0, 80, 40],
    ['carol', 5, 'take', 20, 0, 100, 40], // up to the total exactly
    ['dave', 6, 'take', 1, 503, 100, 40], // dave is within his share, the gateway is full
  ];
  it('refuses what would go over the identity\'s share (429) or the bytes held in all (503), and nothing else', () => {
    const budget = new BodyBudget(100, 40);
    const holds = new Map<number, BodyHold>();
    for (const [who, request, step, bytes, want, held, heldFor] of steps) {
      const hold = holds.get(request) ?? budget.hold(who);
      holds.set(request, hold);
      expect(refusalStatus(() => hold[step](bytes)), `${who} #${request} ${step} ${bytes}`).toBe(want);
      expect([budget.held, budget.heldFor(who)], `${who} #${request} ${step} ${bytes}`).toEqual([held, heldFor]);
    }
  });

  it('gives back exactly what a request took, once, and takes nothing after', () => {
    const budget = new BodyBudget(100, 40);
    const a = budget.hold('alice');
    const b = budget.hold('alice');
    a.declare(25);
    a.take(25);
    b.take(15);
    expect(refusalStatus(() => budget.hold('alice').declare(1))).toBe(429);
    a.release();
    a.release();
    expect([budget.held, budget.heldFor('alice')]).toEqual([15, 15]);
    a.take(50);
    a.declare(50);
    expect([budget.held, budget.heldFor('alice')]).toEqual([15, 15]);
    b.release();
    expect([budget.held, budget.heldFor('alice')]).toEqual([0, 0]);
  });

  it('is under pressure from half the bound in all, counting arrived bytes only', () => {
    const budget = new BodyBudget(100, 40);
    const a = budget.hold('alice');
    a.declare(40);
    expect(budget.underPressure).toBe(false);
    a.take(40);
    const b = budget.hold('bob');
    b.take(9);
    expect(budget.underPressure).toBe(false);
    b.take(1);
    expect(budget.underPressure).toBe(true);
    a.release();
    expect(budget.underPressure).toBe(false);
  });

  it('a refused step holds nothing more', () => {
    const budget = new BodyBudget(100, 40);
    const hold = budget.hold('alice');
    expect(refusalStatus(() => hold.declare(41))).toBe(429);
    expect(budget.heldFor('alice')).toBe(0);
    hold.release();
    expect(refusalStatus(() => budget.hold('alice').declare(40))).toBe(0);
  });

  it('a body that declared more than arrived gives its whole declared share back', () => {
    const budget = new BodyBudget(100, 40);
    const hold = budget.hold('alice');
    hold.declare(30);
    hold.take(10);
    hold.release();
    expect(budget.heldFor('alice')).toBe(0);
    expect(refusalStatus(() => budget.hold('alice').declare(40))).toBe(0);
  });
});
