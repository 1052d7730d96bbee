/**
 * `who` entries that are valid but probably do not mean what they say (rev-config F2): names
 * are compared exactly, so an entry written as a pattern (`users: ["*"]`, `sans:
 * ["*.ci.example.com"]`), a network (`sans: ["10.0.0.0/8"]`), with surrounding spaces or (a
 * user or group) with a dot at either end (`alice.`) matches only a certificate holding that very text, which a deny rule written so never meets.
 * A DNS entry with a trailing dot is warned about too (certificates leave the dot out), and so
 * are entries holding invisible characters or letters not in Unicode NFC (rev-redteam F1). Each
 * could still match some certificate from a foreign CA, so these are warnings; the entries
 * that can match none (an IP-looking `sans:` entry that is no address) are load errors.
 */
import { canonicalIp } from '../core/canonical-ip.js';
import { UNSEEN_CLASS, unitEscape } from '../core/hidden-characters.js';
import type { CompiledPolicy, CompiledRule } from './compile.js';
import { sanKind } from './san-kind.js';

/** What a `sans:` entry of this kind is compared with, for messages. */
const KIND_NAME = { dns: 'a DNS name', ip: 'an IP address', email: 'an email address', uri: 'a URI' } as const;

/** Whether `text` holds a character a glob would use: `*`, `?`, `[` or `]`. */
function globLike(text: string): boolean {
  return /[*?[\]]/.test(text);
}

/**
 * A URI entry without what RFC 3986 gives `[ ]` and `?` to (rev-fix-config R3): an IP-literal
 * host in brackets (`https://[fd00::1]:8443/`) and every `?` (the first starts the query, and
 * the query may hold more). What is left is checked for glob characters (`*`, stray brackets).
 */
function uriGlobText(entry: string): string {
  return entry.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@[\]]*@)?)\[[0-9A-Fa-f:.]+(?:%25[^\]/?#]*)?\]/, '$1').replace(/\?/g, '');
}

/** One character an editor does not show for what it is (hidden-characters.ts UNSEEN_CLASS; rev-fix29 M1). */
const INVISIBLE = new RegExp(`[${UNSEEN_CLASS}]`, 'u');

/** `text` quoted, with invisible characters and combining marks written as \\uXXXX, so a message shows them. */
function shown(text: string): string {
  const escaped = text.replace(new RegExp(`[${UNSEEN_CLASS}]|\\p{M}`, 'gu'), (c) => unitEscape(c));
  return `"${escaped.replace(/"/g, '\\"')}"`;
}

/**
 * The warning for a name (`where` says whose, e.g. `rule "d": who.users entry`) holding an
 * invisible character or letters not in Unicode NFC, or undefined. rev-redteam F1:
 * `mal\u200blory` passed policy check silently and matches no mallory.
 */
function characterWarning(where: string, entry: string): string | undefined {
  if (INVISIBLE.test(entry)) {
    return `${where} ${shown(entry)} holds an invisible, control or replacement character: names are compared exactly, so it matches only a certificate holding that very character`;
  }
  if (entry !== entry.normalize('NFC')) {
    return `${where} ${shown(entry)} is not in Unicode NFC (its accents are separate characters, as some editors save them): names are compared exactly, and certificates usually hold the composed form ${JSON.stringify(entry.normalize('NFC'))}`;
  }
  return undefined;
}

/**
 * The warning for a name (`where` says whose) with leading or trailing white space, or
 * undefined: dockgate certs refuses such names and groups, so only another CA's certificate
 * could hold one.
 */
function spacesWarning(where: string, entry: string): string | undefined {
  if (entry === entry.trim()) return undefined;
  return `${where} ${JSON.stringify(entry)} has leading or trailing spaces: names are compared exactly, so it matches only a certificate holding them (dockgate certs refuses such names)`;
}

/**
 * The warning for a user or group name (`where` says whose) beginning or ending with a dot, or
 * undefined: `alice.` reads as alice at the end of a sentence, in the policy and in a list of
 * names, yet matches only a certificate whose name holds the dot (`certs issue` warns about
 * such a name next to `alice` too, names-lookalike.ts). Not for `sans:` entries, where a DNS
 * name's trailing dot has its own warning.
 */
function edgeDotsWarning(where: string, entry: string): string | undefined {
  if (!/^\.|\.$/.test(entry)) return undefined;
  const bare = entry.replace(/^\.+|\.+$/g, '');
  const other = bare === '' ? '' : `, not ${JSON.stringify(bare)}`;
  return `${where} ${JSON.stringify(entry)} has a leading or trailing dot: names are compared exactly, so it matches only a certificate holding the dot${other}`;
}

/**
 * The same warnings for the names outside rules: the `groups:` map (its group names and
 * members) and tenancy's `admins` and `teams` (rev-fix29 M1: a deny rule by a group whose
 * member was written `mal\u200Blory` never applied to mallory); also for surrounding spaces
 * (`groups: { ops: ["alice "] }` gives alice nothing of ops) and dots (`["alice."]`).
 */
export function nameListWarnings(policy: Pick<CompiledPolicy, 'extraGroups' | 'tenancy'>): string[] {
  const out: string[] = [];
  const add = (where: string, name: string) => {
    const w = characterWarning(where, name) ?? spacesWarning(where, name) ?? edgeDotsWarning(where, name);
    if (w) out.push(w);
  };
  const groups = new Set<string>();
  for (const [user, names] of policy.extraGroups) {
    add('groups: member', user);
    for (const g of names) groups.add(g);
  }
  for (const g of groups) add('groups: group name', g);
  if (policy.tenancy) {
    for (const u of policy.tenancy.admins.users) add('tenancy.admins.users entry', u);
    for (const g of policy.tenancy.admins.groups) add('tenancy.admins.groups entry', g);
    for (const t of policy.tenancy.teams) add('tenancy.teams entry', t);
  }
  return out;
}

/** The warning for one entry of `who.key`, or undefined when it reads as meant. */
function entryWarning(rule: string, key: 'users' | 'groups' | 'sans', entry: string): string | undefined {
  const at = `rule "${rule}": who.${key} entry ${JSON.stringify(entry)}`;
  const chars = characterWarning(`rule "${rule}": who.${key} entry`, entry);
  if (chars) return chars;
  const spaces = spacesWarning(`rule "${rule}": who.${key} entry`, entry);
  if (spaces) return spaces;
  const dots = key === 'sans' ? undefined : edgeDotsWarning(`rule "${rule}": who.${key} entry`, entry);
  if (dots) return dots;
  if (key === 'sans') {
    const cidr = /^(.+)\/\d{1,3}$/.exec(entry);
    if (cidr?.[1] !== undefined && canonicalIp(cidr[1]) !== undefined) {
      return `${at} is a network, which sans: does not take (entries are literal, no CIDR): it is compared as ${KIND_NAME[sanKind(entry)]} and matches no IP address SAN; list the addresses`;
    }
  }
  if (key === 'sans' && sanKind(entry) === 'dns' && entry.length > 1 && entry.endsWith('.')) {
    const bare = entry.slice(0, -1);
    return `${at} ends with a dot: DNS SANs are compared exactly and certificates name hosts without it, so it matches only a certificate whose DNS SAN is exactly ${JSON.stringify(entry)}; write ${JSON.stringify(bare)}`;
  }
  if (globLike(key === 'sans' && sanKind(entry) === 'uri' ? uriGlobText(entry) : entry)) {
    return `${at} is literal, not a pattern (who entries have no globs): it matches only a certificate whose ${key === 'sans' ? 'SAN' : key === 'users' ? 'CN' : 'OU or policy group'} is exactly ${JSON.stringify(entry)}`;
  }
  return undefined;
}

/** Warnings for the `who` entries of `rule`, in the order users, groups, sans. */
export function whoWarnings(rule: CompiledRule): string[] {
  const out: string[] = [];
  for (const key of ['users', 'groups', 'sans'] as const) {
    for (const entry of rule.who[key]) {
      const w = entryWarning(rule.name, key, entry);
      if (w) out.push(w);
    }
  }
  return out;
}
