/**
 * The `Host` header Node's HTTP client writes for a request to the daemon when the client sent
 * none (HTTP/1.0 allows that; HTTP/1.1 without one is refused earlier, see http/host-header.ts).
 * The request path gets it from Node itself (http-proxy hands Node the headers as an object).
 * The upgrade path hands Node an array of header lines, for which Node adds no `Host`, and
 * dockerd answers an HTTP/1.1 request without one 400 ("missing required Host header"); so
 * hijack() adds this one itself.
 */
import type { UpstreamTarget } from './upstream-target.js';

/**
 * Node's default `Host` for `address`: `localhost` for a unix socket or named pipe, else the
 * host (an IPv6 address in brackets) with `:port` unless the port is 80, as ClientRequest does.
 */
export function defaultHostHeader(address: UpstreamTarget['address']): string {
  if (address.socketPath !== undefined || !address.host) return 'localhost';
  const host = address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host;
  return address.port !== undefined && address.port !== null && Number(address.port) !== 80 ? `${host}:${String(address.port)}` : host;
}

/** True when the header lines (`rawHeaders`: name, value, ...) carry a `Host`. */
export function hasHostHeader(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') return true;
  }
  return false;
}
