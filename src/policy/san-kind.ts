/**
 * The kind of subject alternative name a `sans:` entry (or `policy explain --san`) names, read
 * from its form: an IP address (IPv4 dotted, IPv6 in any spelling: `::1`, `fe80::1`, Node's
 * full upper-case `0:0:0:0:0:0:0:1`), a URI (any other value with `:`), an email address
 * (`@`), else a DNS name. A rule matches only a SAN of that kind, so a DNS SAN spelled like a
 * URI (`spiffe://...`, which no valid DNS name is) does not pass for the URI a rule names. IP
 * addresses are compared as addresses, whatever their spelling on either side.
 */
import { canonicalIp } from '../core/canonical-ip.js';
import type { Identity } from '../core/types.js';

/** A key of Identity.sans. */
export type SanKind = keyof Identity['sans'];

/**
 * Whether `value` is written like an IPv6 address (hex digits, `:` and `.`, optionally a
 * `%zone`) with a `::` or starting with a digit or `:`: no URI scheme starts so, and a
 * hex-looking scheme (`cafe:beef`) has no `::`. Such an entry is read as an IP address.
 */
function ipv6Shaped(value: string): boolean {
  const addr = value.split('%')[0] ?? '';
  if (!/^[0-9A-Fa-f:.]+$/.test(addr) || addr.split(':').length < 3) return false;
  return addr.includes('::') || /^[0-9:]/.test(addr);
}

/** Which of the identity's SAN lists `value` is looked up in. */
export function sanKind(value: string): SanKind {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value) || canonicalIp(value) !== undefined || ipv6Shaped(value)) return 'ip';
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
 * Why a `sans:` entry can never match, or undefined. An entry of four dotted numbers is read as
 * an IPv4 address; when it is none (`10.0.0.07`, `256.1.1.1`) it was compared as text with
 * the certificate's IP SANs, which Node always writes in plain dotted decimal: no match, ever
 * (in a deny rule, a refusal that never happens). Likewise an IPv6-shaped entry that is no
 * address (`::ffff:10.0.0.07`, `1::2::3`, a zone `fd00::1%eth0`): Node writes IPv6 SANs as
 * eight hex groups, always an address (rev-fix-config R4).
 */
export function sanEntryProblem(entry: string): string | undefined {
  if (ipv6Shaped(entry) && canonicalIp(entry) === undefined) {
    const [addr = '', zone] = entry.split('%');
    const fix = zone !== undefined && canonicalIp(addr) !== undefined ? ` (a zone such as %${zone} names an interface, which no IP SAN holds: write ${addr})` : '';
    return `"${entry}" is read as an IPv6 address but is not one: no certificate's IP address SAN is written so, and it would never match${fix}`;
  }
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(entry) || canonicalIp(entry) !== undefined) return undefined;
  const parts = entry.split('.').map(Number);
  const plain = parts.every((n) => n <= 255) ? ` (write ${parts.join('.')})` : '';
  return `"${entry}" is read as an IPv4 address but is not one (a leading zero or a part above 255): no certificate's IP address SAN is written so, and it would never match${plain}`;
}
