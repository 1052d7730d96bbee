/**
 * DNS rebinding: a web page whose name its owner points at 127.0.0.1 becomes same-origin with
 * a listener on loopback, so a browser on the gateway host could read what the admin listener
 * serves (identities, operations, certificate dates). A loopback listener without TLS
 * therefore answers only requests whose `Host` names loopback; a browser always sends the
 * page's own name. Pure functions.
 */
import { BlockList, isIP } from 'node:net';
import { isLoopback } from '../pki/hosts.js';

// 127.0.0.0/8 and ::1; Node's BlockList compares bytes, so any spelling of ::1 matches, and an
// IPv4-mapped address (`::ffff:127.0.0.1`, `::ffff:7f00:1`) matches the IPv4 subnet.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether a listener bound to this address (`server.address().address`: an IP, never a name)
 * is reachable from this machine only: 127.0.0.0/8, `::1` in any spelling, or an IPv4-mapped
 * `::ffff:127.x.y.z`. The bound address, not the configured text, decides: a host name, or
 * `[0:0:0:0:0:0:0:1]`, resolves to loopback without reading as such. False for a name and
 * for anything else (`0.0.0.0`, `::`, the IPv4-compatible `::127.0.0.1`).
 */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether a name or address only reaches this machine (pki/hosts.ts's isLoopback: `localhost`,
 * `*.localhost`, 127.0.0.0/8, `::1`), false instead of a throw for anything that is no valid
 * host name.
 */
export function isLoopbackName(host: string): boolean {
  try {
    return isLoopback(host);
  } catch {
    return false;
  }
}

/** The host part of a `Host` header value: `[::1]:9376` → `[::1]`, `localhost:9376` → `localhost`. */
function hostPart(value: string): string {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? value : value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  // More than one colon without brackets is not a valid Host: read whole (an address or nothing).
  return colon === -1 || value.indexOf(':', colon + 1) !== -1 ? value : value.slice(0, colon);
}

/**
 * Whether a request with this `Host` may be answered by a listener bound to loopback: a
 * loopback name or address ({@link isLoopbackName}), with or without a port. A request
 * without `Host` (HTTP/1.0) passes: no browser sends one.
 */
export function loopbackHostHeader(value: string | undefined): boolean {
  return value === undefined || isLoopbackName(hostPart(value));
}
