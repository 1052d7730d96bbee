// A reload may not swap the server certificate in force for one clients would refuse: not valid
// yet (pending) or expired. The certificate in force itself (same DER) is never refused.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReloadRetry, MAX_RETRY_DELAY_MS, outOfDateReplacement, reloadRetryAt, type ServerCertificateDates } from '../../../src/runtime/server-certificate-dates.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const at = (hours: number): Date => new Date(NOW.getTime() + hours * HOUR);
const cert = (serial: string, fromHours: number, untilHours: number, fingerprint = `fp-${serial}`): ServerCertificateDates => ({ fingerprint, serial, notBefore: at(fromHours), notAfter: at(untilHours) });
const IN_FORCE = cert('01', -100, 100);

describe('outOfDateReplacement', () => {
  it.each([
    // label, current, next, refused message fragment (undefined: may replace), validFrom
    ['valid new certificate', IN_FORCE, cert('02', -1, 1000), undefined, undefined],
    ['valid since this very moment', IN_FORCE, cert('02', 0, 1000), undefined, undefined],
    ['not valid for another hour', IN_FORCE, cert('02', 1, 1000), `is not valid before ${at(1).toISOString()} (notBefore)`, at(1)],
    ['not valid for two days: pending too', IN_FORCE, cert('02', 48, 1000), 'the gateway loads it then', at(48)],
    ['the serial of the one in force, another certificate (re-signed), expired', IN_FORCE, cert('01', -1000, -1, 'fp-resigned'), 'expired on', undefined],
    ['expired', IN_FORCE, cert('02', -1000, -1), `expired on ${at(-1).toISOString()} (notAfter)`, undefined],
    ['expiring this very moment', IN_FORCE, cert('02', -1000, 0), 'expired on', undefined],
    ['the certificate in force, expired since: not refused', cert('02', -1000, -1), cert('02', -1000, -1), undefined, undefined],
    ['the certificate in force, not valid yet: not refused', cert('02', 5, 100), cert('02', 5, 100), undefined, undefined],
    ['no certificate in force yet, not valid yet', undefined, cert('02', 1, 100), 'is not valid before', at(1)],
  ] as const)('%s', (_label, current, next, fragment, validFrom) => {
    const refused = outOfDateReplacement(current, next, NOW, '/etc/dockgate/server-cert.pem');
    if (fragment === undefined) {
      expect(refused).toBeUndefined();
      return;
    }
    expect(refused?.message).toContain(fragment);
    expect(refused?.message).toMatch(/^\/etc\/dockgate\/server-cert\.pem: the new server certificate \(serial 0[12]\) .*the one in force serves on \(the CA bundle and CRLs of this reload are in force\)/);
    expect(refused?.validFrom).toEqual(validFrom);
  });
});

describe('reloadRetryAt: one retry for a refused server certificate and a held CRL, at the earlier date', () => {
  const day = (d: number) => new Date(NOW.getTime() + d * 86_400_000);
  it.each([
    ['nothing held', [undefined, undefined], undefined],
    ['a server certificate only', [day(2), undefined], day(2)],
    ['a CRL only', [undefined, day(1)], day(1)],
    ['the CRL earlier', [day(3), day(1)], day(1)],
    ['the certificate earlier', [day(1), day(3)], day(1)],
    ['the same date', [day(2), day(2)], day(2)],
  ] as const)('%s', (_name, dates, want) => {
    expect(reloadRetryAt(...dates)).toEqual(want);
  });
});

describe('createReloadRetry', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the reload a second after the time, once; a later call replaces a pending one; cancel drops it', () => {
    vi.useFakeTimers({ now: NOW });
    const retry = createReloadRetry();
    const calls: string[] = [];
    retry.at(at(1), () => calls.push('first'));
    retry.at(new Date(NOW.getTime() + 10_000), () => calls.push('second'));
    vi.advanceTimersByTime(10_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['second']);
    vi.advanceTimersByTime(2 * HOUR);
    expect(calls).toEqual(['second']);
    retry.at(new Date(NOW.getTime() + 60_000), () => calls.push('third'));
    retry.cancel();
    vi.advanceTimersByTime(2 * HOUR);
    expect(calls).toEqual(['second']);
    // Cancelled for good: a reload finishing after the stop schedules nothing.
    retry.at(new Date(NOW.getTime() + 60_000), () => calls.push('fourth'));
    vi.advanceTimersByTime(2 * HOUR);
    expect(calls).toEqual(['second']);
  });

  it('a time already past runs at once; one further than the longest delay waits only that long', () => {
    vi.useFakeTimers({ now: NOW });
    const retry = createReloadRetry();
    const calls: number[] = [];
    retry.at(at(-1), () => calls.push(1));
    vi.advanceTimersByTime(0);
    expect(calls).toEqual([1]);
    retry.at(at(1000), () => calls.push(2));
    vi.advanceTimersByTime(MAX_RETRY_DELAY_MS - 1);
    expect(calls).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([1, 2]);
  });
});
