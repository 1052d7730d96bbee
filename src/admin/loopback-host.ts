/**
 * DNS rebinding: a web page whose name its owner points at 127.0.0.1 becomes same-origin with
 * a listener on loopback, so a browser on the gateway host could read what the admin listener
 * serves (identities, operations, certificate dates). A loopback listener without TLS
 * therefore answers only requests whose `Host` names loopback; a browser always sends the
 * page's own name. Pure functions.
 */
import { isLoopback } from '../pki/hosts.js';

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
