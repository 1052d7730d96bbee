/**
 * Server host names and addresses: which names the server certificate covers and which host
 * a client is told to connect to.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { canonicalIp } from '../core/canonical-ip.js';
import { PkiError } from './errors.js';

/** Names every server certificate covers, so local clients and health checks always verify. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Subject alternative names split by kind, as X.509 stores them. */
export interface ServerSans {
  dns: string[];
  ip: string[];
}

// A DNS name (labels of letters, digits, hyphens, underscores; `*.` wildcard allowed first).
const DNS_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Strips the brackets of `[::1]` and validates; throws PKI_BAD_HOST for anything unusable. */
export function normalizeHost(host: string): string {
  const trimmed = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(trimmed) !== 0) return trimmed.toLowerCase();
  if (trimmed.length > 253 || !DNS_NAME.test(trimmed)) {
    throw new PkiError('PKI_BAD_HOST', `"${host}" is neither an IP address nor a DNS name`);
  }
  return trimmed.toLowerCase().replace(/\.$/, '');
}

/**
 * An IP address as the certificate encoder must be given it: IPv4 unchanged, IPv6 as its eight
 * 16-bit groups in hex with no `::`, no dotted tail and no zone (`::ffff:10.0.0.1` →
 * `0:0:0:0:0:ffff:a00:1`, `fe80::1%eth0` → `fe80:0:0:0:0:0:0:1`). @peculiar/x509 reads a
 * dotted tail as one hex group (`::ffff:10.0.0.1` became the SAN `::255.255.0.16`), so every
 * IPv6 SAN passes through here. Throws PKI_BAD_HOST for anything that is no IP address.
 */
export function ipSanText(ip: string): string {
  const text = canonicalIp(ip.replace(/%.*$/, ''));
  if (text === undefined) throw new PkiError('PKI_BAD_HOST', `"${ip}" is not an IP address`);
  return text;
}

function isValidHost(host: string): boolean {
  try {
    normalizeHost(host);
    return true;
  } catch {
    return false;
  }
}

/** True for names and addresses that only reach the local machine. */
export function isLoopback(host: string): boolean {
  const h = normalizeHost(host);
  // An address in 127.0.0.0/8; a DNS name such as `127.0.0.1.example.com` is not loopback.
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * The SANs of a server certificate: loopback names, the machine's host name and the given
 * hosts, de-duplicated in first-seen order; IP literals become IP SANs, the rest DNS SANs.
 */
export function serverSans(hosts: readonly string[], machineName: string = hostname()): ServerSans {
  const seen = new Set<string>();
  const sans: ServerSans = { dns: [], ip: [] };
  // A machine name that is not a valid DNS name (rare, but possible) is left out rather than
  // making every init fail; explicit --host values are still validated strictly.
  const machine = isValidHost(machineName) ? [machineName] : [];
  for (const raw of [...LOOPBACK_HOSTS, ...machine, ...hosts]) {
    // A zone (`fe80::1%eth0`) is no part of the SAN, so the index and `Server names:` leave it out too.
    const host = normalizeHost(raw).replace(/%.*$/, '');
    // `0:0:0:0:0:0:0:1` is `::1`: one SAN.
    const key = isIP(host) ? ipSanText(host) : host;
    if (seen.has(key)) continue;
    seen.add(key);
    (isIP(host) ? sans.ip : sans.dns).push(host);
  }
  return sans;
}

/** The host name plus non-internal IPv4 addresses: what the embedded default certificate covers. */
export function detectLocalHosts(): string[] {
  const hosts = [hostname()];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const addr of addrs ?? []) {
      if (addr.family === 'IPv4' && !addr.internal) hosts.push(addr.address);
    }
  }
  return hosts;
}
