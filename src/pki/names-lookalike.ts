/**
 * Names that a reader of `certs list`, a denial message or the audit log may take for another.
 * Policies match names exactly, so `Admin`, `аdmin` (Cyrillic а), `admin\u200b` (a zero-width
 * space), `admin.` or `admin, OU=ops` never get `admin`'s rules; but they print like it (a
 * trailing dot reads as the end of a sentence). `certs issue` warns about them (stderr) and
 * issues all the same. A new name holding invisible characters is refused before (names.ts);
 * the index may still hold one issued before that, which a new name is compared with.
 */
import { INVISIBLE_CHARACTER, INVISIBLE_CLASS, unitEscape } from '../core/hidden-characters.js';
import type { PkiIndex } from './pki-index.js';

/** Characters with a meaning in a distinguished name's text form (RFC 4514). */
const DN_SPECIAL = /[,=+"\\<>;]/g;

/** Characters that show as nothing (hidden-characters.ts): zero-width, bidi controls, BOM, soft hyphen, ... */
const INVISIBLE = INVISIBLE_CHARACTER;
const EVERY_INVISIBLE = new RegExp(`[${INVISIBLE_CLASS}]`, 'gu');

/** Compatibility-normalised (NFKC) and case-folded: `ａdmin` and `Admin` read as `admin`. */
function foldCaseAndForm(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** `text` without invisible characters. */
function visible(text: string): string {
  return text.replace(EVERY_INVISIBLE, '');
}

/**
 * What a reader sees of `text` once spacing and edge punctuation are set aside: runs of white
 * space read as one space, and dots and spaces at either end as nothing.
 */
function withoutSpacingAndEdges(text: string): string {
  return text.replace(/\s+/gu, ' ').replace(/^[\s.]+|[\s.]+$/gu, '');
}

/**
 * What two names are compared as: NFKC, case-folded, without invisible characters, runs of
 * white space as one space, without leading and trailing dots and spaces.
 */
export function foldName(name: string): string {
  return withoutSpacingAndEdges(visible(foldCaseAndForm(name)));
}

/** How two names with the same `foldName` differ, as the warning words it. */
function difference(a: string, b: string): string {
  const kinds: string[] = [];
  // ASCII spaces and dots only: a no-break space for a space, a fullwidth dot, is a Unicode form.
  const plain = (n: string) => visible(n).replace(/ +/g, ' ').replace(/^[ .]+|[ .]+$/g, '');
  if (plain(a) !== plain(b)) kinds.push('case or Unicode form');
  if (INVISIBLE.test(a) || INVISIBLE.test(b)) kinds.push('invisible characters');
  const laidOut = [a, b].map((n) => visible(foldCaseAndForm(n)));
  if (laidOut.some((n) => /\s{2,}/u.test(n))) kinds.push('runs of spaces');
  if (laidOut.some((n) => /^[\s.]|[\s.]$/u.test(n))) kinds.push('leading or trailing dots or spaces');
  return kinds.join(', ');
}

/** `name` quoted, its invisible characters written `\uXXXX`, so that a warning shows them. */
function quoted(name: string): string {
  return JSON.stringify(name).replace(EVERY_INVISIBLE, (c) => unitEscape(c));
}

function codePoints(name: string): string {
  const odd = [...new Set([...name].filter((c) => c > '\u007f'))];
  const shown = odd.slice(0, 4).map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
  return shown.join(', ') + (odd.length > 4 ? ', ...' : '');
}

/**
 * Warnings for `name` against the client names already in `index`: non-ASCII characters,
 * another name equal under `foldName` (case, NFKC, invisible characters, spacing, dots at the
 * ends), characters special in a DN. Empty when none.
 */
export function nameWarnings(name: string, index: PkiIndex): string[] {
  const warnings: string[] = [];
  const shown = quoted(name);
  if (/[\u0080-\u{10ffff}]/u.test(name)) {
    warnings.push(`name ${shown} has non-ASCII characters (${codePoints(name)}) and may look like another name in lists and logs`);
  }
  const folded = foldName(name);
  // Names alike in the same way share one warning, in the order the index has them.
  const alike = new Map<string, Set<string>>();
  for (const e of index.certs) {
    if (e.kind !== 'client' || e.name === name || foldName(e.name) !== folded) continue;
    const how = difference(name, e.name);
    alike.set(how, (alike.get(how) ?? new Set()).add(e.name));
  }
  for (const [how, names] of alike) {
    warnings.push(`name ${shown} differs from ${[...names].map(quoted).join(', ')} only by ${how}; policies tell them apart, people may not`);
  }
  const special = [...new Set(name.match(DN_SPECIAL) ?? [])];
  if (special.length > 0) {
    warnings.push(`name ${shown} contains ${special.join(' ')}, which distinguished names use as syntax; "CN=${name}" may read as several attributes`);
  }
  return warnings;
}
