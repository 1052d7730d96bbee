/**
 * One spelling per IP address, for comparing addresses written in different ways (policy
 * `sans:` entries against a certificate's SANs) and for encoding IPv6 SANs (@peculiar/x509
 * misreads a dotted IPv4 tail). Pure.
 */
import { isIP } from 'node:net';

/**
 * IPv4 as given (Node's isIP takes dotted decimal only); IPv6 as eight lower-case hex groups
 * without leading zeros, a dotted IPv4 tail turned into two groups, so `::1`,
 * `0:0:0:0:0:0:0:1` and `0000::0001` are one address. An IPv4-mapped IPv6 address stays IPv6
 * (a certificate holds it as 16 bytes, not 4). Undefined for what is no address, a zone
 * (`%eth0`) included.
 */
export function canonicalIp(text: string): string | undefined {
  const family = isIP(text);
  if (family === 4) return text;
  if (family !== 6 || text.includes('%')) return undefined;
  let lower = text.toLowerCase();
  const lastColon = lower.lastIndexOf(':');
  const tail = lower.slice(lastColon + 1);
  if (isIP(tail) === 4) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    lower = `${lower.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = lower.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16)).join(':');
}
