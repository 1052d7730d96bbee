/**
 * The lines `certs issue` prints so a teammate can connect at once: the `DOCKER_*` variables,
 * an explicit `docker --tlsverify` command and a `docker context create` command.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { BundleFiles } from './bundle.js';
import { isLoopback } from './hosts.js';

/** Docker's conventional TLS port, which the gateway listens on by default. */
export const DEFAULT_DOCKER_TLS_PORT = 2376;

/** Quotes for POSIX shells when needed; plain paths stay readable. */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Double quotes as the docker documentation writes them, unless the text needs single quotes. */
function doubleQuote(text: string): string {
  return /^[^"$`\\!]*$/.test(text) ? `"${text}"` : shellQuote(text);
}

/**
 * One `key=value` field of `docker context create --docker`, which the docker CLIs read as one
 * CSV record (pflag's StringToString, Go's encoding/csv): a field holding a comma, a double
 * quote or a line break is CSV-quoted (`"ca=/a,b/ca.pem"`, inner quotes doubled), since a comma
 * would split it (`b/ca.pem must be formatted as key=value`), a bare quote is refused, and a
 * line break would end the record there.
 */
export function csvField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** A `docker context` name from a client name: contexts allow only `[a-zA-Z0-9][a-zA-Z0-9_.+-]+`. */
export function contextName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_.+-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return cleaned.length >= 2 ? cleaned : `dockgate-${cleaned}`;
}

/**
 * Why `value` cannot be a `--connect-host` (a host name or IPv4 address with an optional
 * `:PORT`, a bare IPv6 address, or `[IPv6]` with an optional `:PORT`; ports 1-65535), or
 * undefined when it can. Checked before anything is signed: the lines printed with it would
 * not work, and the certificate would already exist.
 */
export function connectHostProblem(value: string): string | undefined {
  // An IPv6 zone (`fe80::1%eth0`) would need `%25` in the URL, which the docker CLIs reject as written.
  if (value.includes('%')) return `--connect-host "${value}": an IPv6 zone (%) cannot be used in DOCKER_HOST; give a global address or a host name`;
  if (isIP(value) === 6) return undefined;
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(value);
  const bad = `--connect-host "${value}" is not HOST, HOST:PORT or [IPv6]:PORT`;
  if (!m) return bad;
  const [, v6, host, port] = m;
  if (v6 !== undefined ? isIP(v6) !== 6 : !/^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(host ?? '')) return bad;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `--connect-host "${value}": port must be 1-65535`;
  return undefined;
}

/**
 * `host:port` for a tcp:// URL from a `--connect-host` value (`H`, `H:PORT`, `[v6]:PORT` or a
 * bare IPv6 address), adding the default port and IPv6 brackets.
 */
export function connectAddress(host: string): string {
  if (isIP(host) === 6) return `[${host}]:${DEFAULT_DOCKER_TLS_PORT}`;
  if (/^\[.*\]:\d+$/.test(host) || /^[^:]+:\d+$/.test(host)) return host;
  if (/^\[.*\]$/.test(host)) return `${host}:${DEFAULT_DOCKER_TLS_PORT}`;
  return `${host}:${DEFAULT_DOCKER_TLS_PORT}`;
}

/**
 * The host clients should connect to: `explicit` (--connect-host) if given, else the first
 * non-loopback host recorded at init, else this machine's host name.
 */
export function chooseConnectHost(explicit: string | undefined, initHosts: readonly string[], machineName: string = hostname()): string {
  if (explicit) return explicit;
  const remote = initHosts.find((h) => {
    try {
      return !isLoopback(h);
    } catch {
      return false;
    }
  });
  return remote ?? machineName;
}

/** The connect instructions for a bundle, one shell command per line. */
export function connectLines(opts: { name: string; host: string; bundle: BundleFiles }): string[] {
  const url = `tcp://${connectAddress(opts.host)}`;
  const { ca, cert, key, dir } = opts.bundle;
  return [
    `export DOCKER_HOST=${url}`,
    'export DOCKER_TLS_VERIFY=1',
    `export DOCKER_CERT_PATH=${shellQuote(dir)}`,
    `docker --tlsverify --tlscacert=${shellQuote(ca)} --tlscert=${shellQuote(cert)} --tlskey=${shellQuote(key)} -H ${url} version`,
    `docker context create ${contextName(opts.name)} --docker ${doubleQuote([`host=${url}`, `ca=${ca}`, `cert=${cert}`, `key=${key}`].map(csvField).join(','))}`,
  ];
}
