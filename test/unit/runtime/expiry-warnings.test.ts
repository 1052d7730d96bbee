import { afterEach, describe, expect, it, vi } from 'vitest';
import { expiryWarnings, startExpiryWarnings } from '../../../src/runtime/expiry-warnings.js';
import type { ExpiringItem } from '../../../src/server/tls-material.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const at = (days: number): Date => new Date(NOW.getTime() + days * DAY);
const item = (kind: ExpiringItem['kind'], days: number): ExpiringItem => ({ kind, name: `${kind}-x`, file: `/etc/${kind}.pem`, expires: at(days) });

describe('expiryWarnings', () => {
  it.each([
    // kind, days left, expected level (undefined: no warning), expected daysLeft
    ['server certificate', 31, undefined, undefined],
    ['server certificate', 30, 'warn', 30],
    ['server certificate', 29.5, 'warn', 29],
    ['server certificate', 0.5, 'warn', 0],
    ['server certificate', 0, 'error', 0],
    ['server certificate', -2, 'error', -2],
    ['CA', 30.01, undefined, undefined],
    ['CA', 12, 'warn', 12],
    ['CA', -400, 'error', -400],
    ['CRL', 4, undefined, undefined],
    ['CRL', 3, 'warn', 3],
    ['CRL', 1, 'warn', 1],
    ['CRL', -0.5, 'error', -1],
  ] as const)('%s with %s days left -> %s', (kind, days, level, daysLeft) => {
    const out = expiryWarnings([item(kind, days)], NOW);
    if (level === undefined) {
      expect(out).toEqual([]);
      return;
    }
    expect(out).toHaveLength(1);
    expect(out[0]?.level).toBe(level);
    expect(out[0]?.daysLeft).toBe(daysLeft);
    expect(out[0]?.message).toContain(`/etc/${kind}.pem`);
    expect(out[0]?.message).toContain(at(days).toISOString());
  });

  it('names the remedy: rotate-server for the server certificate, certs crl for a CRL', () => {
    const [server, crl] = expiryWarnings([item('server certificate', 5), item('CRL', -1)], NOW);
    expect(server?.message).toBe(`server certificate "server certificate-x" in /etc/server certificate.pem expires on ${at(5).toISOString()} (in 5 days): run "dockgate certs rotate-server" (or install a new certificate); the gateway picks it up without a restart`);
    expect(crl?.message).toMatch(/^CRL of "CRL-x" in \/etc\/CRL\.pem expired on .*: run "dockgate certs crl"/);
  });

  it('keeps the order of the items and skips the healthy ones', () => {
    const out = expiryWarnings([item('CA', 100), item('CRL', 2), item('server certificate', 400), item('CA', 10)], NOW);
    expect(out.map((w) => [w.item.kind, w.daysLeft])).toEqual([
      ['CRL', 2],
      ['CA', 10],
    ]);
  });
});

describe('startExpiryWarnings', () => {
  afterEach(() => vi.useRealTimers());

  it('logs at start and then once a day, with the clock it is given and the current material', () => {
    vi.useFakeTimers();
    let clock = NOW;
    let items: ExpiringItem[] = [item('server certificate', 31)];
    const lines: Array<[string, Record<string, unknown>, string]> = [];
    const log = {
      warn: (o: object, m: string) => lines.push(['warn', o as Record<string, unknown>, m]),
      error: (o: object, m: string) => lines.push(['error', o as Record<string, unknown>, m]),
    };
    const stop = startExpiryWarnings({ items: () => items, log, now: () => clock });
    expect(lines).toEqual([]); // 31 days: not yet

    clock = at(1);
    vi.advanceTimersByTime(DAY);
    expect(lines.map(([level, fields]) => [level, fields.kind, fields.daysLeft])).toEqual([['warn', 'server certificate', 30]]);

    // A reload swapped the material: the next check sees the new items.
    items = [item('CRL', 0.5)];
    clock = at(2);
    vi.advanceTimersByTime(DAY);
    expect(lines.map(([level, fields]) => [level, fields.kind, fields.daysLeft])).toEqual([
      ['warn', 'server certificate', 30],
      ['error', 'CRL', -2],
    ]);
    expect(lines[1]?.[1]).toMatchObject({ event: 'tls-expiry', file: '/etc/CRL.pem', expires: at(0.5).toISOString() });

    stop();
    vi.advanceTimersByTime(5 * DAY);
    expect(lines).toHaveLength(2);
  });

  it('warns at once when started with material already in its notice period', () => {
    const lines: string[] = [];
    const log = { warn: (_o: object, m: string) => lines.push(`warn ${m}`), error: (_o: object, m: string) => lines.push(`error ${m}`) };
    const stop = startExpiryWarnings({ items: () => [item('CA', 3)], log, now: () => NOW });
    stop();
    expect(lines).toEqual([`warn CA "CA-x" in /etc/CA.pem expires on ${at(3).toISOString()} (in 3 days): plan a new CA: every certificate it issued stops verifying when it expires`]);
  });
});
