/**
 * issuersOf matches an issuer Name to the CAs of the bundle by their nameKey exactly: nameKey
 * already folds what OpenSSL folds (ASCII case, spacing, string type), so a key differing in
 * anything else (a non-ASCII letter's case) is another CA, as OpenSSL would have it.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issuersOf, type IssuingCa } from '../../../src/server/ca-key.js';

describe('issuersOf', () => {
  const cert = {} as X509Certificate; // not read: a single CA of the name needs no signature check
  // A nameKey of `CN=équipe` (its form does not matter here: it is compared whole).
  const cas: IssuingCa[] = [{ subjectKey: '["CN","\\"équipe"]', ca: 'k1', cert }];
  it.each<[string, string, number]>([
    ['the same key', cas[0]!.subjectKey, 1],
    ['a non-ASCII letter in another case (OpenSSL folds ASCII only)', cas[0]!.subjectKey.replace('é', 'É'), 0],
  ])('%s -> %d CAs', (_label, issuerKey, n) => {
    expect(issuersOf(issuerKey, undefined, cas)).toHaveLength(n);
  });
});
