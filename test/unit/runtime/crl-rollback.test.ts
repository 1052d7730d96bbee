import { describe, expect, it } from 'vitest';
import { rememberCrls } from '../../../src/runtime/crl-history.js';
import { crlRollback } from '../../../src/runtime/crl-rollback.js';

const at = (s: string) => new Date(`2026-12-0${s}T00:00:00Z`);
/**
 * A CRL of the CA `ca` (its name and key, ca-key.ts caKey; by default one CA per name). Its
 * tbsHash stands for its content: by default its CA, date and number; `content` names another.
 */
const crl = (issuer: string, day: string, ca = issuer, content = '') => ({ issuer, ca, thisUpdate: at(day), tbsHash: `${ca}/${day}/${content}`, block: '' });
/** The same with a CRL Number. */
const numbered = (issuer: string, day: string, crlNumber: bigint, ca = issuer, content = '') => ({ ...crl(issuer, day, ca, `${crlNumber}${content}`), crlNumber });

describe('crlRollback', () => {
  it.each([
    ['a newer CRL of the same CA', [crl('CN=root', '2')], [crl('CN=root', '3')], undefined],
    ['the same CRL again', [crl('CN=root', '2')], [crl('CN=root', '2')], undefined],
    ['the first CRL of a CA', [], [crl('CN=root', '1')], undefined],
    ['an older CRL of another CA than the one in force', [crl('CN=root', '5')], [crl('CN=team', '1')], undefined],
    ['an older CRL of another CA of the same name (another key)', [crl('CN=root', '5', 'k1')], [crl('CN=root', '1', 'k2')], undefined],
    ['an older CRL of the same CA', [crl('CN=root', '3')], [crl('CN=root', '2')], 'the CRL of "CN=root" was issued at 2026-12-02T00:00:00.000Z, before the one in force (2026-12-03T00:00:00.000Z)'],
    ['one older CRL among newer ones', [crl('CN=root', '3'), crl('CN=team', '3')], [crl('CN=root', '4'), crl('CN=team', '1')], 'the CRL of "CN=team"'],
    ['a CRL in force dated in the future (not valid yet) may be replaced by an older one', [crl('CN=root', '9')], [crl('CN=root', '4')], undefined],
    // Two CAs of one name (a second `certs init` on a host): each CRL is compared with its own CA's.
    ['an older CRL of a re-keyed CA, its namesake\'s CRL in force being older still', [crl('CN=root', '2', 'k1'), crl('CN=root', '4', 'k2')], [crl('CN=root', '2', 'k1'), crl('CN=root', '3', 'k2')], 'issued at 2026-12-03T00:00:00.000Z, before the one in force (2026-12-04T00:00:00.000Z)'],
    ['the same, the namesake listed second', [crl('CN=root', '4', 'k2'), crl('CN=root', '2', 'k1')], [crl('CN=root', '3', 'k2'), crl('CN=root', '2', 'k1')], 'before the one in force (2026-12-04T00:00:00.000Z)'],
    ['a newer CRL of a re-keyed CA, its namesake\'s CRL in force being newer still', [crl('CN=root', '6', 'k1'), crl('CN=root', '2', 'k2')], [crl('CN=root', '6', 'k1'), crl('CN=root', '3', 'k2')], undefined],
    ['the first CRL of a re-keyed CA, older than its namesake\'s', [crl('CN=root', '4', 'k1')], [crl('CN=root', '4', 'k1'), crl('CN=root', '1', 'k2')], undefined],
    // A CRL re-signed from an index that went back (lost or restored index.json): newer by
    // thisUpdate, lower by CRL Number. RFC 5280 has the number increase.
    ['a newer CRL of the same CA with a lower CRL Number', [numbered('CN=root', '2', 2n)], [numbered('CN=root', '3', 1n)], 'the CRL of "CN=root" has CRL Number 1, not higher than the one in force (2): a CA\'s CRL Numbers only increase'],
    ['a newer CRL with a higher CRL Number', [numbered('CN=root', '2', 2n)], [numbered('CN=root', '3', 3n)], undefined],
    ['the same CRL Number again (the same CRL reloaded)', [numbered('CN=root', '2', 2n)], [numbered('CN=root', '2', 2n)], undefined],
    // One number names one CRL (rev-day2c F2): an index restored one CRL behind signs the number
    // in force again, later and without the revocations made since.
    ['the same CRL Number on a CRL signed later (re-signed from an index one step behind)', [numbered('CN=root', '2', 5n)], [numbered('CN=root', '3', 5n)], 'the CRL of "CN=root" has CRL Number 5, not higher than the one in force (5) and is another CRL under that number'],
    ['the same CRL Number and thisUpdate, other revocations', [numbered('CN=root', '2', 5n, 'CN=root', 'revoking alice')], [numbered('CN=root', '2', 5n, 'CN=root', 'revoking nobody')], 'has CRL Number 5, not higher than the one in force (5) and is another CRL'],
    ['the same CRL Number on another CA of the same name (another key)', [numbered('CN=root', '2', 5n, 'k1')], [numbered('CN=root', '3', 5n, 'k2')], undefined],
    ['the same CRL Number on another CA', [numbered('CN=root', '2', 5n)], [numbered('CN=team', '3', 5n)], undefined],
    ['the same CRL Number replacing a CRL in force that is not valid yet', [numbered('CN=root', '9', 5n)], [numbered('CN=root', '4', 5n)], undefined],
    ['a CRL without a number, same thisUpdate as the numbered one in force (thisUpdate decides)', [numbered('CN=root', '2', 5n)], [crl('CN=root', '2', 'CN=root', 'other')], undefined],
    ['two CRLs without a number, same thisUpdate, other content (thisUpdate decides, as before)', [crl('CN=root', '2', 'CN=root', 'a')], [crl('CN=root', '2', 'CN=root', 'b')], undefined],
    ['CRL Numbers past 2^53 compared exactly', [numbered('CN=root', '2', 2n ** 64n + 1n)], [numbered('CN=root', '3', 2n ** 64n)], 'has CRL Number 18446744073709551616, not higher than the one in force (18446744073709551617)'],
    ['a lower CRL Number of another CA of the same name (another key)', [numbered('CN=root', '2', 9n, 'k1')], [numbered('CN=root', '3', 1n, 'k2')], undefined],
    ['a lower CRL Number of another CA', [numbered('CN=root', '2', 9n)], [numbered('CN=team', '3', 1n)], undefined],
    ['a new CRL without a CRL Number (cannot be compared; thisUpdate decides)', [numbered('CN=root', '2', 9n)], [crl('CN=root', '3')], undefined],
    ['a CRL in force without a CRL Number', [crl('CN=root', '2')], [numbered('CN=root', '3', 1n)], undefined],
    ['a lower CRL Number replacing a CRL in force that is not valid yet', [numbered('CN=root', '9', 5n)], [numbered('CN=root', '4', 1n)], undefined],
    // A file in force may hold several CRLs of one CA (`cat crl2.pem crl3.pem`): the newest counts
    // (rev-day3: only the first was compared, and a CRL #3 revoking nobody replaced #2 + #3).
    ['another CRL under the number of the newest of two in force', [numbered('CN=root', '2', 2n), numbered('CN=root', '3', 3n, 'CN=root', 'revoking alice')], [numbered('CN=root', '4', 3n, 'CN=root', 'revoking nobody')], 'has CRL Number 3, not higher than the one in force (3) and is another CRL'],
    ['an older CRL than the newest of two in force', [numbered('CN=root', '2', 2n), numbered('CN=root', '4', 3n)], [numbered('CN=root', '3', 9n)], 'before the one in force (2026-12-04T00:00:00.000Z)'],
    ['the same two CRLs again', [numbered('CN=root', '2', 2n), numbered('CN=root', '3', 3n)], [numbered('CN=root', '2', 2n), numbered('CN=root', '3', 3n)], undefined],
    ['the two in force and a newer one', [numbered('CN=root', '2', 2n), numbered('CN=root', '3', 3n)], [numbered('CN=root', '2', 2n), numbered('CN=root', '3', 3n), numbered('CN=root', '4', 4n)], undefined],
  ])('%s', (_name, current, next, want) => {
    const got = crlRollback(current, next, at('5'));
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(want);
  });

  // A CRL held until it is valid (crl-pending.ts) has its revocations applied already: no reload
  // may go behind it (rev-day3: writing back the CRL in force lifted them for good).
  const inForce = [numbered('CN=root', '2', 1n)];
  const held = [numbered('CN=root', '9', 3n, 'CN=root', 'revoking bob')];
  it.each([
    ['the CRL in force written back', inForce, 'has CRL Number 1, not higher than the one held until it is valid (3)'],
    ['a CRL signed now without the held revocations', [numbered('CN=root', '4', 2n)], 'has CRL Number 2, not higher than the one held until it is valid (3)'],
    ['another CRL under the held number, valid now', [numbered('CN=root', '4', 3n, 'CN=root', 'revoking nobody')], 'has CRL Number 3, not higher than the one held until it is valid (3) and is another CRL'],
    ['the held CRL itself (its retry)', held, undefined],
    ['a newer CRL than the held one', [numbered('CN=root', '9', 4n)], undefined],
    // rev-crl F2: the CA host's clock fixed and the CRL re-signed: a higher number, valid now.
    // The number decides against a held CRL, not its thisUpdate (set by the clock that ran ahead).
    ['a higher CRL Number valid now (re-signed once the clock is fixed)', [numbered('CN=root', '4', 4n)], undefined],
    ['another CA\'s CRL', [numbered('CN=team', '1', 1n)], undefined],
  ])('with a CRL held pending: %s', (_name, next, want) => {
    const got = crlRollback(inForce, next, at('5'), rememberCrls(new Map(), inForce, at('5'), held));
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(want);
  });

  // A CRL applied alone after a failed reload (crl-alone.ts) is held as a pending one is, but
  // the refusal names it for what it is (rev-fix-reload R4: it read "held until it is valid").
  const alone = [numbered('CN=root', '4', 2n, 'CN=root', 'revoking carol')];
  const aloneWhat = 'the one whose revocations the gateway applies on its own since a TLS reload that failed for another file (crl-revocations-applied)';
  it.each([
    ['the CRL in force written back', inForce, `has CRL Number 1, not higher than ${aloneWhat} (2)`],
    ['an unnumbered CRL signed before it', [crl('CN=root', '3')], `issued at 2026-12-03T00:00:00.000Z, before ${aloneWhat} (2026-12-04T00:00:00.000Z)`],
    ['the CRL applied alone itself (the reload that succeeds)', alone, undefined],
  ])('with a CRL applied alone: %s', (_name, next, want) => {
    const got = crlRollback(inForce, next, at('5'), rememberCrls(new Map(), inForce, at('5'), alone, 'alone'));
    if (want === undefined) expect(got).toBeUndefined();
    else {
      expect(got).toContain(want);
      expect(got).not.toContain('held until it is valid');
    }
  });

  // Without CRL Numbers (on either side) only thisUpdate can tell: the held CRL's stays the bar.
  it.each([
    ['an unnumbered CRL signed now', [crl('CN=root', '4')], [crl('CN=root', '9')], 'issued at 2026-12-04T00:00:00.000Z, before the one held until it is valid (2026-12-09T00:00:00.000Z)'],
    ['a numbered CRL signed now, the held one unnumbered', [numbered('CN=root', '4', 7n)], [crl('CN=root', '9')], 'before the one held until it is valid'],
    ['an unnumbered CRL as late as the held one', [crl('CN=root', '9', 'CN=root', 'other')], [crl('CN=root', '9')], undefined],
  ])('with an unnumbered CRL held pending: %s', (_name, next, heldCrls, want) => {
    const got = crlRollback([crl('CN=root', '2')], next, at('5'), rememberCrls(new Map(), [crl('CN=root', '2')], at('5'), heldCrls));
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(want);
  });

  // rev-crl F1: the newest CRL of a CA loaded since start stays the bar when a reload drops it
  // (a file without that CA's CRL, or tls.ca without the CA): the next reload may not bring back
  // an older one. [name, reloads installed in turn (each checked first), the next CRLs, want]
  const A = 'CN=root';
  it.each([
    ['a reload without the CA\'s CRL, then its older CRL (lower number)', [[numbered(A, '2', 2n)], [numbered('CN=team', '2', 1n)]], [numbered(A, '1', 1n)], 'has CRL Number 1, not higher than the newest loaded since the gateway started (2)'],
    ['the same with a later thisUpdate (re-signed from an old index)', [[numbered(A, '2', 2n)], []], [numbered(A, '4', 1n)], 'not higher than the newest loaded since the gateway started (2)'],
    ['another CRL under the remembered number', [[numbered(A, '2', 2n, A, 'revoking carol')], []], [numbered(A, '3', 2n, A, 'revoking nobody')], 'has CRL Number 2, not higher than the newest loaded since the gateway started (2) and is another CRL'],
    ['the remembered CRL itself brought back', [[numbered(A, '2', 2n)], []], [numbered(A, '2', 2n)], undefined],
    ['a higher number after the gap', [[numbered(A, '2', 2n)], []], [numbered(A, '3', 3n)], undefined],
    ['an older unnumbered CRL after the gap (thisUpdate)', [[crl(A, '3')], []], [crl(A, '2')], 'issued at 2026-12-02T00:00:00.000Z, before the newest loaded since the gateway started (2026-12-03T00:00:00.000Z)'],
    ['two CAs of one name: the other key\'s older CRL', [[numbered(A, '3', 3n, 'k1')], []], [numbered(A, '1', 1n, 'k2')], undefined],
    ['a CRL held, then a reload without the CA, then a CRL below the held number', [[numbered(A, '2', 1n)], 'held', []], [numbered(A, '4', 2n)], 'not higher than the one held until it is valid (3)'],
    ['a CRL put in force while not valid yet (nothing to keep), then a lower number', [[numbered(A, '9', 5n)]], [numbered(A, '4', 1n)], 'has CRL Number 1, not higher than the newest loaded since the gateway started (5)'],
    ['a CRL put in force while not valid yet, then a higher number dated earlier', [[numbered(A, '9', 5n)]], [numbered(A, '4', 6n)], undefined],
    ['an unnumbered CRL put in force while not valid yet, then one dated earlier', [[crl(A, '9')]], [crl(A, '4')], undefined],
    // rev-fixes2 F1: a CRL put in force while not valid yet does not make the gateway forget the
    // newest valid CRL before it: a replacement may be dated earlier than the future one, but not
    // older than that floor. Admin listener (admin.tls.crl is never held back), unnumbered CRLs:
    // s2b revokes scraper2, sfuture2 put in force, then s1 (older than s2b) readmitted scraper2.
    ['admin: valid, a future one in force, then one older than the valid one (unnumbered)', [[crl(A, '3')], [crl(A, '9')]], [crl(A, '2')], 'issued at 2026-12-02T00:00:00.000Z, before the newest valid CRL loaded since the gateway started (2026-12-03T00:00:00.000Z)'],
    ['admin: the same, then one between the valid one and the future one', [[crl(A, '3')], [crl(A, '9')]], [crl(A, '4')], undefined],
    ['admin: the same, then the valid one again', [[crl(A, '3')], [crl(A, '9')]], [crl(A, '3')], undefined],
    // Docker listener: u2 (revokes eve) + another CA's, a file without ca3's CRL, ufuture put in
    // force (nothing to keep), then u1 (older than u2) readmitted eve.
    ['docker: valid, dropped, a future one in force, then one older than the valid one (unnumbered)', [[crl(A, '3'), crl('CN=other', '1')], [crl('CN=other', '1')], [crl(A, '9'), crl('CN=other', '1')]], [crl(A, '1'), crl('CN=other', '1')], 'before the newest valid CRL loaded since the gateway started (2026-12-03T00:00:00.000Z)'],
    ['docker: the same, then one between the valid one and the future one', [[crl(A, '3'), crl('CN=other', '1')], [crl('CN=other', '1')], [crl(A, '9'), crl('CN=other', '1')]], [crl(A, '4'), crl('CN=other', '1')], undefined],
    // Mixed: one side unnumbered compares by thisUpdate; both numbered, by number.
    ['a numbered future CRL in force after a valid unnumbered one, then an older unnumbered one', [[crl(A, '3')], [numbered(A, '9', 5n)]], [crl(A, '2')], 'before the newest valid CRL loaded since the gateway started'],
    ['an unnumbered future CRL in force after a valid numbered one, then a lower number dated later', [[numbered(A, '3', 4n)], [crl(A, '9')]], [numbered(A, '4', 3n)], 'has CRL Number 3, not higher than the newest valid CRL loaded since the gateway started (4)'],
    ['a numbered future CRL in force after a valid numbered one, then a higher number dated before both', [[numbered(A, '3', 4n)], [numbered(A, '9', 5n)]], [numbered(A, '2', 6n)], undefined],
    ['a CRL held, then a reload without the CA, then an unnumbered CRL older than the one kept in force', [[crl(A, '3')], 'held', []], [crl(A, '2')], 'before the one held until it is valid'],
    // rev-final F2: a file of a future CRL beside an older valid one (unnumbered: only the newest
    // is compared) lowered the floor to the older one, and a CRL between the two got in.
    ['admin: valid, then a future one with an older valid one in one file, then one older than the first', [[crl(A, '3')], [crl(A, '9'), crl(A, '1')]], [crl(A, '2')], 'before the newest valid CRL loaded since the gateway started (2026-12-03T00:00:00.000Z)'],
  ] as const)('since start: %s', (_name, reloads, next, want) => {
    let history = rememberCrls(new Map(), [], at('5'));
    let current: ReturnType<typeof crl>[] = [];
    for (const reload of reloads) {
      if (reload === 'held') {
        history = rememberCrls(history, current, at('5'), [numbered(A, '9', 3n, A, 'revoking bob')]);
        continue;
      }
      expect(crlRollback(current, reload, at('5'), history)).toBeUndefined();
      current = [...reload];
      history = rememberCrls(history, current, at('5'));
    }
    const got = crlRollback(current, next, at('5'), history);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(want);
  });
});
