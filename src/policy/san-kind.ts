/**
 * The kind of subject alternative name a `sans:` entry (or `policy explain --san`) names, read
 * from its form as Node prints SANs: an IP address (IPv4 dotted, IPv6 in Node's full upper-case
 * form), a URI (any other value with `:`), an email address (`@`), else a DNS name. A rule
 * matches only a SAN of that kind, so a DNS SAN spelled like a URI (`spiffe://...`, which no
 * valid DNS name is) does not pass for the URI a rule names.
 */
import type { Identity } from '../core/types.js';

/** A key of Identity.sans. */
export type SanKind = keyof Identity['sans'];

/** Which of the identity's SAN lists `value` is looked up in. */
export function sanKind(value: string): SanKind {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value) || (value.includes(':') && /^[0-9A-F:.]+$/.test(value))) return 'ip';
  if (value.includes(':')) return 'uri';
  if (value.includes('@')) return 'email';
  return 'dns';
}
