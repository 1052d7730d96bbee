/**
 * The kind of subject alternative name a `sans:` entry (or `policy explain --san`) names, read
 * from its form: an IP address (IPv4 dotted, IPv6 in any spelling: `::1`, `fe80::1`, Node's
 * full upper-case `0:0:0:0:0:0:0:1`), a URI (any other value with `:`), an email address
 * (`@`), else a DNS name. A rule matches only a SAN of that kind, so a DNS SAN spelled like a
 * URI (`spiffe://...`, which no valid DNS name is) does not pass for the URI a rule names. IP
 * addresses are compared as addresses, whatever their spelling on either side.
 */
import { isIP } from 'node:net';
import type { Identity } from '../core/types.js';

/** A key of Identity.sans. */
export type SanKind = keyof Identity['sans'];

/** Which of the identity's SAN lists `value` is looked up in. */
export function sanKind(value: string): SanKind {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value) || canonicalIp(value) !== undefined) return 'ip';
  if (value.includes(':')) return 'uri';
  if (value.includes('@')) return 'email';
  return 'dns';
}

/** Whether the identity has the SAN a `sans:` entry names (IP addresses compared as addresses). */
export function hasSan(identity: Pick<Identity, 'sans'>, entry: string): boolean {
  const kind = sanKind(entry);
  if (kind !== 'ip') return identity.sans[kind].includes(entry);
  const want = canonicalIp(entry) ?? entry;
  return identity.sans.ip.some((ip) => (canonicalIp(ip) ?? ip) === want);
}

/**
 * One spelling per address: IPv4 dotted decimal, IPv6 as eight lower-case hex groups without
 * leading zeros (an embedded IPv4 tail turned into two groups), so `::1`, `0:0:0:0:0:0:0:1`
 * and `0000::0001` are one address. An IPv4-mapped IPv6 address stays IPv6 (a certificate
 * holds it as 16 bytes, not 4). Undefined for what is no address (a zone included).
 */
export function canonicalIp(text: string): string | undefined {
  const version = isIP(text);
  if (version === 4) return text;
  if (version !== 6 || text.includes('%')) return undefined;
  let tail: string[] = [];
  let spelled = text;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    tail = [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    spelled = text.slice(0, dotted.index).replace(/:$/, '') || ':';
    if (spelled.endsWith(':') && !spelled.endsWith('::')) spelled += ':';
  }
  const [head = '', rest] = spelled.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - tail.length - left.length - right.length;
  const groups = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right, ...tail];
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}
