/**
 * `certs issue`'s look-alike warnings, as a table: a name is warned about when a reader of a
 * policy, `certs list` or the audit log cannot tell it from a client name in the index. Case and
 * Unicode form (the rows cli-values.test.ts also runs through the CLI), and what does not show
 * or reads as punctuation: invisible characters (zero-width, bidi controls), runs of spaces, dots
 * and spaces at either end. Names a reader tells apart get no such warning.
 */
import { describe, expect, it } from 'vitest';
import { foldName, nameWarnings } from '../../../src/pki/names-lookalike.js';
import { emptyIndex, type IndexEntry, type PkiIndex } from '../../../src/pki/pki-index.js';

function indexOf(clients: readonly string[]): PkiIndex {
  const entry = (kind: IndexEntry['kind'], name: string): IndexEntry => ({
    kind,
    name,
    groups: [],
    serial: '01',
    fingerprint: '00',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    keyType: 'ecdsa',
  });
  // A server certificate named like a client is no look-alike of one.
  return { ...emptyIndex(), certs: [entry('server', 'server'), ...clients.map((n) => entry('client', n))] };
}

const NON_ASCII = /has non-ASCII characters/;
const DN = /which distinguished names use as syntax/;
/** The look-alike warning, the names as it shows them (invisible characters as `\uXXXX`). */
const alike = (shown: string, names: string, how: string): string => `name ${shown} differs from ${names} only by ${how}; policies tell them apart, people may not`;

describe('nameWarnings: names a reader may take for one in the index', () => {
  it.each<[string, string, readonly string[], readonly (RegExp | string)[]]>([
    // Case and Unicode form (unchanged rows).
    ['case', 'Admin', ['admin'], [alike('"Admin"', '"admin"', 'case or Unicode form')]],
    ['Cyrillic а: not NFKC-equal, non-ASCII only', '\u0430dmin', ['admin'], [NON_ASCII]],
    ['fullwidth ａ', '\uff41dmin', ['admin', 'Admin'], [NON_ASCII, alike('"\uff41dmin"', '"admin", "Admin"', 'case or Unicode form')]],
    ['DN syntax', 'admin, OU=ops', ['admin'], [DN]],
    ['a different name', 'carol', ['admin'], []],
    ['a suffix', 'admin2', ['admin'], []],
    ['the same name (renewal by --force)', 'admin', ['admin'], []],
    // Dots and spaces at the ends: a trailing dot reads as punctuation.
    ['trailing dot', 'alice.', ['alice'], [alike('"alice."', '"alice"', 'leading or trailing dots or spaces')]],
    ['leading dot', '.alice', ['alice'], [alike('".alice"', '"alice"', 'leading or trailing dots or spaces')]],
    ['two trailing dots', 'alice..', ['alice', 'alice.'], [alike('"alice.."', '"alice", "alice."', 'leading or trailing dots or spaces')]],
    ['the plain name next to a dotted one', 'alice', ['alice.'], [alike('"alice"', '"alice."', 'leading or trailing dots or spaces')]],
    ['a dot inside is visible', 'ali.ce', ['alice'], []],
    ['a dotted name inside is no look-alike of its parts', 'j.smith', ['jsmith', 'smith'], []],
    ['fullwidth full stop at the end', 'alice\uff0e', ['alice'], [NON_ASCII, alike('"alice\uff0e"', '"alice"', 'case or Unicode form, leading or trailing dots or spaces')]],
    // Invisible characters: zero-width, joiners, bidi controls, BOM, soft hyphen, variation selectors.
    ['zero-width space', 'alice\u200b', ['alice'], [NON_ASCII, alike('"alice\\u200B"', '"alice"', 'invisible characters')]],
    ['zero-width space inside', 'mal\u200blory', ['mallory'], [NON_ASCII, alike('"mal\\u200Blory"', '"mallory"', 'invisible characters')]],
    ['zero-width joiner', 'al\u200dice', ['alice'], [NON_ASCII, alike('"al\\u200Dice"', '"alice"', 'invisible characters')]],
    ['left-to-right mark', '\u200ealice', ['alice'], [NON_ASCII, alike('"\\u200Ealice"', '"alice"', 'invisible characters')]],
    ['right-to-left override and pop', 'alice\u202e\u202c', ['alice'], [NON_ASCII, alike('"alice\\u202E\\u202C"', '"alice"', 'invisible characters')]],
    ['first strong isolate', '\u2068alice\u2069', ['alice'], [NON_ASCII, alike('"\\u2068alice\\u2069"', '"alice"', 'invisible characters')]],
    ['word joiner', 'ali\u2060ce', ['alice'], [NON_ASCII, alike('"ali\\u2060ce"', '"alice"', 'invisible characters')]],
    ['byte order mark inside', 'ali\ufeffce', ['alice'], [NON_ASCII, alike('"ali\\uFEFFce"', '"alice"', 'invisible characters')]],
    ['soft hyphen', 'ali\u00adce', ['alice'], [NON_ASCII, alike('"ali\\u00ADce"', '"alice"', 'invisible characters')]],
    ['variation selector', 'alice\ufe0f', ['alice'], [NON_ASCII, alike('"alice\\uFE0F"', '"alice"', 'invisible characters')]],
    ['the plain name next to one with a zero-width space', 'alice', ['alice\u200b'], [alike('"alice"', '"alice\\u200B"', 'invisible characters')]],
    ['invisible and case', 'Alice\u200b', ['alice'], [NON_ASCII, alike('"Alice\\u200B"', '"alice"', 'case or Unicode form, invisible characters')]],
    ['a space hidden behind a zero-width space at the end', 'alice \u200b', ['alice'], [NON_ASCII, alike('"alice \\u200B"', '"alice"', 'invisible characters, leading or trailing dots or spaces')]],
    // Spacing: runs of spaces, and other spaces (non-ASCII, NFKC-equal to a space).
    ['two spaces for one', 'alice  smith', ['alice smith'], [alike('"alice  smith"', '"alice smith"', 'runs of spaces')]],
    ['no-break space for a space', 'alice\u00a0smith', ['alice smith'], [NON_ASCII, alike('"alice\u00a0smith"', '"alice smith"', 'case or Unicode form')]],
    ['a space is visible', 'alice smith', ['alicesmith'], []],
    // Grouped by how they differ, in index order.
    ['several ways', 'alice', ['Alice', 'alice.', 'ALICE', 'alice\u200b'], [alike('"alice"', '"Alice", "ALICE"', 'case or Unicode form'), alike('"alice"', '"alice."', 'leading or trailing dots or spaces'), alike('"alice"', '"alice\\u200B"', 'invisible characters')]],
  ])('%s: %j next to %j', (_label, name, clients, expected) => {
    const warnings = nameWarnings(name, indexOf(clients));
    expect(warnings).toHaveLength(expected.length);
    for (const [i, w] of expected.entries()) {
      if (typeof w === 'string') expect(warnings[i]).toBe(w);
      else expect(warnings[i]).toMatch(w);
    }
  });

  it.each<[string, string]>([
    ['Alice', 'alice'],
    ['\uff41dmin', 'admin'],
    ['\u2068alice\u2069.', 'alice'],
    ['  a \u200b b  ', 'a b'],
    ['\u0430dmin', '\u0430dmin'],
  ])('foldName(%j) is %j', (name, folded) => {
    expect(foldName(name)).toBe(folded);
  });
});
