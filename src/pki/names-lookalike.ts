/**
 * Names that a reader of `certs list`, a denial message or the audit log may take for another.
 * Policies match names exactly, so `Admin`, `аdmin` (Cyrillic а) or `admin, OU=ops` never get
 * `admin`'s rules; but they print like it. `certs issue` warns about them (stderr) and issues
 * all the same.
 */
import type { PkiIndex } from './pki-index.js';

/** Characters with a meaning in a distinguished name's text form (RFC 4514). */
const DN_SPECIAL = /[,=+"\\<>;]/g;

/** What two names are compared as: compatibility-normalised (NFKC) and case-folded. */
export function foldName(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}

function codePoints(name: string): string {
  const odd = [...new Set([...name].filter((c) => c > '\u007f'))];
  const shown = odd.slice(0, 4).map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
  return shown.join(', ') + (odd.length > 4 ? ', ...' : '');
}

/**
 * Warnings for `name` against the client names already in `index`: non-ASCII characters,
 * another name equal under case folding or NFKC, characters special in a DN. Empty when none.
 */
export function nameWarnings(name: string, index: PkiIndex): string[] {
  const warnings: string[] = [];
  const shown = JSON.stringify(name);
  if (/[\u0080-\u{10ffff}]/u.test(name)) {
    warnings.push(`name ${shown} has non-ASCII characters (${codePoints(name)}) and may look like another name in lists and logs`);
  }
  const folded = foldName(name);
  const alike = [...new Set(index.certs.filter((e) => e.kind === 'client' && e.name !== name && foldName(e.name) === folded).map((e) => e.name))];
  if (alike.length > 0) {
    warnings.push(`name ${shown} differs from ${alike.map((n) => JSON.stringify(n)).join(', ')} only by case or Unicode form; policies tell them apart, people may not`);
  }
  const special = [...new Set(name.match(DN_SPECIAL) ?? [])];
  if (special.length > 0) {
    warnings.push(`name ${shown} contains ${special.join(' ')}, which distinguished names use as syntax; "CN=${name}" may read as several attributes`);
  }
  return warnings;
}
