import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/http/gateway-error.js';
import { BodyBudget, type BodyHold } from '../../../src/server/body-budget.js';

/** The status a take is refused with, or 0 when it is taken. */
function takeStatus(hold: BodyHold, n: number): number {
  try {
    hold.take(n);
    return 0;
  } catch (err) {
    if (err instanceof GatewayError) return err.status;
    throw err;
  }
}

describe('BodyBudget', () => {
  // Steps on a budget of 100 bytes in all and 40 per identity: [identity, request, bytes, status, held after].
  const steps: Array<[string, number, number, number, number]> = [
    ['alice', 1, 30, 0, 30],
    ['alice', 1, 10, 0, 40], // up to the identity's bound exactly
    ['alice', 2, 1, 429, 40], // one byte more for alice, on another request
    ['bob', 3, 40, 0, 80],
    ['carol', 4, 20, 0, 100], // up to the total exactly
    ['dave', 5, 1, 503, 100], // dave is under his own bound, the gateway is full
    ['bob', 6, 1, 429, 100], // the identity's bound is checked first
  ];
  it('refuses what would go over the bound of the identity (429) or the total (503), and nothing else', () => {
    const budget = new BodyBudget(100, 40);
    const holds = new Map<number, BodyHold>();
    for (const [who, request, bytes, status, held] of steps) {
      const hold = holds.get(request) ?? budget.hold(who);
      holds.set(request, hold);
      expect(takeStatus(hold, bytes), `${who} #${request} +${bytes}`).toBe(status);
      expect(budget.held).toBe(held);
    }
  });

  it('gives back exactly what a request took, once', () => {
    const budget = new BodyBudget(100, 40);
    const a = budget.hold('alice');
    const b = budget.hold('alice');
    a.take(25);
    b.take(15);
    expect(takeStatus(budget.hold('alice'), 1)).toBe(429);
    a.release();
    a.release();
    expect(budget.held).toBe(15);
    // What a released, alice may take again; the other request's bytes still count.
    expect(takeStatus(budget.hold('alice'), 25)).toBe(0);
    expect(takeStatus(budget.hold('alice'), 1)).toBe(429);
  });

  it('a refused take holds nothing', () => {
    const budget = new BodyBudget(100, 40);
    const hold = budget.hold('alice');
    expect(takeStatus(hold, 41)).toBe(429);
    expect(budget.held).toBe(0);
    hold.release();
    expect(budget.held).toBe(0);
    expect(takeStatus(budget.hold('alice'), 40)).toBe(0);
  });
});
