/**
 * Parsing of listen addresses and DOCKER_HOST-style upstream URLs.
 * Pure: returns a value or an error message, never throws.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { ListenAddress, Upstream } from './types.js';

/** Result of a parse: the value, or a message saying what is wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** Parse `host:port`, `tcp://host:port`, `[::1]:port` or `:port` (read as `0.0.0.0:port`: all IPv4 interfaces, not IPv6). */
export function parseListen(text: string): Parsed<ListenAddress> {
  const bare = text.startsWith('tcp://') ? text.slice('tcp://'.length) : text;
  const m = /^(?:\[([^\]]+)\]|([^:/[\]]*)):(\d+)$/.exec(bare);
  const port = m ? parsePort(m[3] ?? '') : undefined;
  if (!m || port === undefined) {
    return { ok: false, message: `"${text}" is not host:port or tcp://host:port` };
  }
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : (m[2] as string));
  // Refused here, with the key named, rather than by the listener at bind time (exit 1).
  if (m[1] !== undefined && !isIPv6(host)) return { ok: false, message: `"${text}": [${host}] is not an IPv6 address` };
  if (/^[\d.]+$/.test(host) && !isIPv4(host)) return { ok: false, message: `"${text}": ${host} is not an IPv4 address` };
  return { ok: true, value: { host, port } };
}

/**
 * `host:port` as parseListen reads it back: an IPv6 host in brackets (`[::1]:2376`), and a peer's
 * IPv4-mapped address on a dual-stack listener (`::ffff:127.0.0.1`) as the IPv4 address it is.
 * `?` for what Node no longer knows (the address of a socket already destroyed).
 */
export function hostPort(host: string | undefined, port: number | undefined): string {
  const ip = host?.startsWith('::ffff:') && isIPv4(host.slice(7)) ? host.slice(7) : host;
  return `${ip !== undefined && isIPv6(ip) ? `[${ip}]` : (ip ?? '?')}:${port ?? '?'}`;
}

/** Parse a DOCKER_HOST-style upstream: `unix:///path`, `tcp://host:port`, `npipe:////./pipe/name`. */
export function parseUpstream(text: string): Parsed<Upstream> {
  if (text.startsWith('unix://')) {
    const path = text.slice('unix://'.length);
    if (!path.startsWith('/')) return { ok: false, message: `"${text}" needs an absolute socket path (unix:///path)` };
    return { ok: true, value: { kind: 'unix', path, url: text } };
  }
  if (text.startsWith('npipe://')) {
    const path = text.slice('npipe://'.length).replace(/\//g, '\\');
    if (path.length < 3) return { ok: false, message: `"${text}" names no pipe` };
    return { ok: true, value: { kind: 'npipe', path, url: text } };
  }
  if (text.startsWith('tcp://') || text.startsWith('http://')) {
    // Never a daemon's address (getaddrinfo would look up "user@host"), and the upstream is named
    // in the gateway's 502s: refused, and not repeated here, so a secret goes to no client or log.
    if (text.includes('@')) return { ok: false, message: 'a tcp:// or http:// upstream takes no user information (the part before @): dockerd takes none, and the upstream is named in the gateway\'s 502 answers' };
    const listen = parseListen(text.replace(/^http:\/\//, 'tcp://'));
    if (!listen.ok) return { ok: false, message: `"${text}" is not tcp://host:port` };
    if (listen.value.port === 0) return { ok: false, message: `"${text}": port 0 names no daemon` };
    const host = listen.value.host === '0.0.0.0' ? '127.0.0.1' : listen.value.host;
    return { ok: true, value: { kind: 'tcp', host, port: listen.value.port, url: text } };
  }
  return { ok: false, message: `"${text}" is not unix://, tcp://, http:// or npipe://` };
}
