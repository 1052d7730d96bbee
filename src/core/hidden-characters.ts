/**
 * Characters a reader does not see for what they are, in one set for every place that refuses,
 * warns about or escapes them: `certs issue` refuses them in new names and groups, the look-alike
 * warnings and `policy check` name them, the audit log and `policy explain` write them as
 * `\uXXXX`. `\u202Eecila` prints as "alice"; `mal\u200Blory` as "mallory".
 */

/**
 * Characters that show as nothing: Unicode's default-ignorable code points (zero-width space,
 * joiners and non-joiner, bidi marks, embeddings, overrides and isolates, the word joiner, soft
 * hyphen, byte order mark, variation selectors, tag characters, Hangul fillers, U+034F) and the
 * other format characters (general category Cf). A regular expression class body.
 */
export const INVISIBLE_CLASS = '\\p{Default_Ignorable_Code_Point}\\p{Cf}';

/**
 * The invisible characters plus controls (C0, DEL, C1: they act on terminals) and the line and
 * paragraph separators U+2028/U+2029 (they end a line in editors and JavaScript). A regular
 * expression class body.
 */
export const HIDDEN_CLASS = `${INVISIBLE_CLASS}\\p{Cc}\\p{Zl}\\p{Zp}`;

/**
 * The hidden characters plus those an editor or terminal shows as a blank, a box or another
 * character, yet compared as any other: private-use ones (\p{Co}), U+FFFD, spaces other than
 * U+0020 (no-break, Ogham, en to hair, narrow no-break, medium mathematical, ideographic) and the
 * braille blank U+2800. `policy check` warns about names holding one; `certs issue` refuses new
 * names and groups holding one (`Jean\u00A0Dupont` prints as "Jean Dupont"). A regular
 * expression class body.
 */
export const UNSEEN_CLASS = `${HIDDEN_CLASS}\\p{Co}\\uFFFD\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000\\u2800`;

/** Matches one invisible character (INVISIBLE_CLASS). */
export const INVISIBLE_CHARACTER = new RegExp(`[${INVISIBLE_CLASS}]`, 'u');

/** Matches one hidden character (HIDDEN_CLASS). */
export const HIDDEN_CHARACTER = new RegExp(`[${HIDDEN_CLASS}]`, 'u');

const EVERY_HIDDEN = new RegExp(`[${HIDDEN_CLASS}]`, 'gu');

/**
 * A UTF-16 unit outside printable ASCII (U+0020-U+007E). Every hidden character holds one: the
 * ASCII ones are C0 and DEL, the rest are beyond U+007F. Testing for it is several times faster
 * than the Unicode property classes, and most text (names, routes, denial messages) is printable
 * ASCII.
 */
const BEYOND_PRINTABLE_ASCII = /[^\u0020-\u007e]/;

/**
 * `ch` as `\uXXXX`, one escape per UTF-16 unit (a surrogate pair for a character beyond
 * U+FFFF), so that the text reads back as the same string in JSON and JavaScript.
 */
export function unitEscape(ch: string, hexCase: 'upper' | 'lower' = 'upper'): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) {
    const hex = ch.charCodeAt(i).toString(16).padStart(4, '0');
    out += `\\u${hexCase === 'upper' ? hex.toUpperCase() : hex}`;
  }
  return out;
}

/**
 * `text` with each hidden character (HIDDEN_CLASS, newlines and tabs included) written `\uXXXX`.
 * Idempotent: the output is printable ASCII where it was escaped, and several layers rely on it
 * (a `certs` refusal quotes a name already escaped, `policy check` escapes warnings holding
 * escapes). A backslash is left as it is, so a text holding the six characters `\u202E` prints
 * as one holding U+202E does; escaping backslashes would break both that and Windows paths, and
 * the audit log, JSON, tells the two apart (docs/observability.md).
 */
export function escapeHidden(text: string): string {
  if (!BEYOND_PRINTABLE_ASCII.test(text)) return text;
  return text.replace(EVERY_HIDDEN, (ch) => unitEscape(ch));
}

/** The distinct hidden characters of `text`, in order of appearance, each written `\uXXXX`. */
export function hiddenCharactersOf(text: string): string[] {
  return [...new Set(text.match(EVERY_HIDDEN) ?? [])].map((ch) => unitEscape(ch));
}

const EVERY_UNSEEN = new RegExp(`[${UNSEEN_CLASS}]`, 'gu');

/** The distinct unseen characters (UNSEEN_CLASS) of `text`, in order of appearance, each written `\uXXXX`. */
export function unseenCharactersOf(text: string): string[] {
  return [...new Set(text.match(EVERY_UNSEEN) ?? [])].map((ch) => unitEscape(ch));
}
