/**
 * replacedBundles: the CA bundles a handshake completing now may have been verified against.
 * Every bundle replaced within the window counts (two reloads in a row keep both old bundles),
 * and none once the window has passed.
 */
import type { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { replacedBundles } from '../../../src/server/ca-trust.js';

/** Stand-ins: the bundle comparison reads fingerprints only. */
const ca = (fingerprint256: string) => ({ fingerprint256 }) as X509Certificate;
const [a, b, c] = [ca('A'), ca('B'), ca('C')];

describe('replacedBundles', () => {
  it('keeps every bundle replaced within the window', () => {
    const r = replacedBundles(60_000);
    expect(r.recent()).toBeUndefined();
    r.replaced([a], [b]);
    r.replaced([b], [c]);
    expect(r.recent()?.caCerts).toEqual([a, b]);
  });

  it('an unchanged bundle is no replacement', () => {
    const r = replacedBundles(60_000);
    r.replaced([a, b], [b, a]);
    expect(r.recent()).toBeUndefined();
  });

  it('forgets them once the window has passed', async () => {
    const r = replacedBundles(5);
    r.replaced([a], [b]);
    await sleep(30);
    expect(r.recent()).toBeUndefined();
    r.replaced([b], [c]);
    expect(r.recent()?.caCerts).toEqual([b]);
  });
});
