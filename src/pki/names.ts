/**
 * Validation of client names and groups, and the subject they become. The name is the
 * identity policies refer to (subject CN) and also a directory name under `clients/`, so it
 * must be safe in both places.
 */
import { escapeHidden, hiddenCharactersOf, unseenCharactersOf } from '../core/hidden-characters.js';
import { PkiError } from './errors.js';
import type { x509 } from './webcrypto.js';

/** Longest accepted client name: the X.520 upper bound for a common name. */
export const MAX_NAME_LENGTH = 64;
/** Longest accepted group: the X.520 upper bound for an organizational unit. */
export const MAX_GROUP_LENGTH = 64;

// C0 and C1 control characters and DEL: they corrupt terminals, logs and file names.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** `value` quoted for a message, its hidden characters (controls, bidi, zero-width, ...) written `\uXXXX`. */
function shown(value: string): string {
  return escapeHidden(JSON.stringify(value));
}

function checkText(kind: 'name' | 'group', value: string, max: number): string | undefined {
  if (value.length === 0) return `${kind} must not be empty`;
  if (value.length > max) return `${kind} ${shown(`${value.slice(0, 20)}...`)} is longer than ${max} characters`;
  if (CONTROL.test(value)) return `${kind} ${shown(value)} contains ${hiddenCharactersOf(value).join(' ')}: control characters are refused in ${kind}s`;
  if (value !== value.trim()) return `${kind} ${shown(value)} has leading or trailing spaces`;
  return undefined;
}

/**
 * Why `value` may not be a new name or group: it holds characters that show as nothing, as a
 * blank or a box, or re-order the text around them (hidden-characters.ts UNSEEN_CLASS), so that
 * it prints as another name in `certs list`, the audit log and policies (`\u202Eecila` prints as
 * "alice", `Jean\u00A0Dupont` as "Jean Dupont"); `policy check` warns about the same characters
 * in the names a policy holds. Undefined when it holds none.
 */
function hiddenProblem(kind: 'name' | 'group', value: string): string | undefined {
  const found = unseenCharactersOf(value);
  if (found.length === 0) return undefined;
  return (
    `${kind} ${shown(value)} contains ${found.join(' ')}: invisible, bidi, format, control, private-use and replacement characters, ` +
    `spaces other than U+0020 and the braille blank are refused in new ${kind}s, as they make a ${kind} print as another in lists, logs and policies`
  );
}

/**
 * Throws PKI_BAD_NAME unless `name` can be a client name: 1-64 characters, no control
 * characters, no path separators, not `.` or `..`, no leading `-` (it would read as a flag).
 * What every command naming a client checks (`renew` too), so that an existing client keeps
 * working; `validateNewClientName` adds what only a new name is refused for.
 */
export function validateClientName(name: string): void {
  const problem =
    checkText('name', name, MAX_NAME_LENGTH) ??
    (/[/\\]/.test(name) ? `name ${shown(name)} must not contain / or \\` : undefined) ??
    (name === '.' || name === '..' ? `name "${name}" is not allowed` : undefined) ??
    (name.startsWith('-') ? `name ${shown(name)} must not start with -` : undefined);
  if (problem) throw new PkiError('PKI_BAD_NAME', problem);
}

/**
 * Throws PKI_BAD_NAME unless `name` can be a new client name (`certs issue`): what
 * `validateClientName` checks, and no hidden characters (hidden-characters.ts). A client issued
 * before they were refused, or by another CA tool, keeps its name: `renew`, `revoke` and `list`
 * take it, and the gateway maps its certificate to that exact name.
 */
export function validateNewClientName(name: string): void {
  validateClientName(name);
  const problem = hiddenProblem('name', name);
  if (problem) throw new PkiError('PKI_BAD_NAME', problem);
}

/**
 * Throws PKI_BAD_GROUP unless every group of a new certificate (`certs issue`) is 1-64
 * characters without surrounding spaces or hidden characters (hidden-characters.ts).
 */
export function validateGroups(groups: readonly string[]): void {
  for (const group of groups) {
    const problem = checkText('group', group, MAX_GROUP_LENGTH) ?? hiddenProblem('group', group);
    if (problem) throw new PkiError('PKI_BAD_GROUP', problem);
  }
}

/**
 * The subject of a client certificate: `CN=<name>` then one `OU=<group>` RDN per group, in
 * the order given. One RDN per group (rather than one multi-valued RDN) keeps the order
 * stable in every parser, and the identity stage reads groups back in that order.
 */
export function clientSubject(name: string, groups: readonly string[]): x509.JsonName {
  return [{ CN: [name] }, ...groups.map((group) => ({ OU: [group] }))];
}

/** The subject of the server certificate. */
export function serverSubject(): x509.JsonName {
  return [{ CN: ['dockgate server'] }];
}

/** Hex digits of the CA's key identifier its name carries. */
const CA_KEY_ID_DIGITS = 8;

/**
 * The subject of the CA created by `certs init`: `CN=dockgate CA <host> <created> <key id>,
 * O=dockgate`, e.g. `dockgate CA gw1 2026-12-06T13:31Z 5d2e07a1`. The host tells CAs of
 * several hosts apart; the creation time (to the minute, UTC) and the first 8 hex digits of
 * the subjectKeyIdentifier tell apart CAs of one host (an old and a new one after
 * `init --force`, a scrapers' CA), in `identity.issuer`, the logs and clients' errors. A long
 * host name is cut, by characters (code points), so that the CN stays within 64 characters with
 * both kept whole.
 */
export function caSubject(hostname: string, created: Date, keyIdHex: string): x509.JsonName {
  const prefix = 'dockgate CA ';
  const suffix = ` ${created.toISOString().slice(0, 16)}Z ${keyIdHex.slice(0, CA_KEY_ID_DIGITS).toLowerCase()}`;
  // Cut by characters (code points), as X.520's 64 counts them in the encoded name: a cut by
  // UTF-16 units could split a surrogate pair, and the name encoder throws on the lone half
  // ("URI malformed"; rev-fix-reload R3). Prefix and suffix are ASCII, one unit per character.
  const host = Array.from(hostname).slice(0, MAX_NAME_LENGTH - prefix.length - suffix.length).join('');
  return [{ CN: [`${prefix}${host}${suffix}`] }, { O: ['dockgate'] }];
}
