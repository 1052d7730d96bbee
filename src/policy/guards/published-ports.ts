/**
 * `publishedPorts: { allow: ["8000-8999", "127.0.0.1:3000-3999", "0"] }` limits the host ports a
 * container (`-p`, `-P`) or a service publishes, and the host addresses they are bound to. An
 * entry without an address allows those ports on any address, all interfaces included; with
 * one (`127.0.0.1:`, `[::1]:`) only on exactly that address. Port `0` stands for a port the
 * daemon picks (`-p 80`, `-P`, an empty `HostPort`). `publishedPorts: false` publishes nothing.
 *
 * Read as dockerd 20.10 reads a binding (checked on it): an empty `HostIp` binds every
 * interface, IPv4 and IPv6; a `HostIp` Go cannot parse (`localhost`) binds every interface too,
 * so it is refused; `::ffff:127.0.0.1` binds 127.0.0.1 (refused as not read the same way); a
 * `HostPort` range `41010-41012` takes any port of it; `41001-41002-41003` is read as
 * `41001-41002` (refused: more than one `-`); a `null` binding takes a port the daemon picks on
 * every interface.
 */
import type { JsonValue, RequestFacts } from '../../core/types.js';
import { field, isObject } from '../../facts/go-fold.js';
import type { KeyPath, Problems } from '../problems.js';
import { hostConfigField, hostConfigName, isServiceWrite, items, show, typeName } from './body.js';
import { defineGuard, type Violation } from './guard.js';
import { parseIpAddress, type IpPrefix } from './ip-prefix.js';
import { CONTAINER_OPS, SERVICE_OPS } from './operations.js';
import { parseAllowList } from './settings.js';

/** One allowed entry: a port range, on one address or (no `address`) on any. */
interface PortRule {
  address?: IpPrefix;
  from: number;
  to: number;
  /** The entry as the policy writes it, for refusals. */
  text: string;
}

/** Parsed `publishedPorts` settings. */
export interface PublishedPortsSetting {
  any: boolean;
  allow: PortRule[];
}

/** dockerd's port number (Go's `strconv.ParseUint(s, 10, 16)`): decimal digits, leading zeros read away, at most 65535. */
function portNumber(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** `N` or `N-M` with N <= M, as dockerd's `nat.ParsePortRange` reads it (one `-` only). */
function portRange(text: string): { from: number; to: number } | undefined {
  const parts = text.split('-');
  if (parts.length > 2) return undefined;
  const from = portNumber(parts[0] as string);
  const to = parts.length === 2 ? portNumber(parts[1] as string) : from;
  if (from === undefined || to === undefined || to < from) return undefined;
  return { from, to };
}

/** An entry of the policy: `PORTS`, `IPV4:PORTS` or `[IPV6]:PORTS`. */
export function parsePortRule(text: string): PortRule | undefined {
  let address: IpPrefix | undefined;
  let ports = text;
  if (text.startsWith('[')) {
    const end = text.indexOf(']:');
    if (end < 0) return undefined;
    address = parseIpAddress(text.slice(1, end));
    if (!address || address.family !== 6) return undefined;
    ports = text.slice(end + 2);
  } else if (text.includes(':')) {
    const colon = text.lastIndexOf(':');
    address = parseIpAddress(text.slice(0, colon));
    if (!address || address.family !== 4) return undefined;
    ports = text.slice(colon + 1);
  }
  const range = portRange(ports);
  return range ? { ...range, ...(address ? { address } : {}), text } : undefined;
}

/** `allow: [0, 8080]` as YAML writes it unquoted: whole numbers are taken as their digits. */
function portsAsText(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('allow' in value) || !Array.isArray(value.allow)) return value;
  return { ...value, allow: value.allow.map((item: unknown) => (typeof item === 'number' && Number.isInteger(item) && item >= 0 ? String(item) : item)) };
}

function parse(value: unknown, at: KeyPath, problems: Problems): PublishedPortsSetting | undefined {
  const list = parseAllowList(portsAsText(value), at, problems, (item, itemAt) => {
    if (parsePortRule(item)) return item;
    problems.add(itemAt, `${JSON.stringify(item)} is not a host port entry: PORT or FROM-TO (0 = a port the daemon picks), optionally after IPV4: or [IPV6]:`);
    return undefined;
  });
  if (!list) return undefined;
  return { any: list.any, allow: list.allow.map((item) => parsePortRule(item) as PortRule) };
}

function sameAddress(a: IpPrefix, b: IpPrefix): boolean {
  return a.family === b.family && a.bytes.every((byte, i) => byte === b.bytes[i]);
}

/** Whether ports `from`..`to` on `address` (undefined: every interface) are allowed. */
function allowed(rules: readonly PortRule[], address: IpPrefix | undefined, from: number, to: number): boolean {
  return rules.some((r) => from >= r.from && to <= r.to && (r.address === undefined || (address !== undefined && sameAddress(r.address, address))));
}

const violation = (reason: string): Violation => ({ code: 'published-port', reason });

/** A binding the allow list does not cover: the refusal says what the list allows, so the user knows what would pass. */
const notAllowed = (what: string, rules: readonly PortRule[]): Violation =>
  violation(`${what} is not allowed (allowed here: ${rules.length ? rules.map((r) => r.text).join(', ') : 'none'})`);

/**
 * Where a binding without a `HostIp` lands: every interface, or the network's
 * `com.docker.network.bridge.host_binding_ipv4` (or dockerd's `--ip`), which the request does
 * not carry (the network may be re-created between the create and the start): such a binding
 * needs an entry without an address.
 */
const NO_HOST_IP = 'every interface, unless its network sets another default address';

/** One container binding (`{HostIp, HostPort}`, or null: a picked port on every interface). */
function checkBinding(path: string, binding: JsonValue, rules: readonly PortRule[]): Violation | undefined {
  if (binding === null) return allowed(rules, undefined, 0, 0) ? undefined : notAllowed(`${path} (a port the daemon picks, with no HostIp: ${NO_HOST_IP})`, rules);
  if (!isObject(binding)) return violation(`${path} is ${typeName(binding)}, not a map`);
  const hostIp = field(binding, 'HostIp');
  const hostPort = field(binding, 'HostPort');
  if (hostIp !== undefined && hostIp !== null && typeof hostIp !== 'string') return violation(`${path}.HostIp is ${typeName(hostIp)}, not a string`);
  if (hostPort !== undefined && hostPort !== null && typeof hostPort !== 'string') return violation(`${path}.HostPort is ${typeName(hostPort)}, not a string`);
  let address: IpPrefix | undefined;
  if (typeof hostIp === 'string' && hostIp !== '') {
    address = parseIpAddress(hostIp);
    if (!address) return violation(`${path}.HostIp ${show(hostIp)} is not an IP address dockgate reads the way dockerd does (dockerd binds every interface for one it cannot read)`);
  }
  const range = typeof hostPort === 'string' && hostPort !== '' ? portRange(hostPort) : { from: 0, to: 0 };
  if (!range) return violation(`${path}.HostPort ${show(hostPort)} is not a port or a port range dockgate reads the way dockerd does`);
  if (allowed(rules, address, range.from, range.to)) return undefined;
  const port = range.from === 0 ? 'a port the daemon picks' : `port ${range.from === range.to ? range.from : `${range.from}-${range.to}`}`;
  const where = address ? `on ${show(hostIp)}` : `with no HostIp (${NO_HOST_IP})`;
  return notAllowed(`${path}: publishing ${port} ${where}`, rules);
}

const PUBLISH_ALL_PORTS = hostConfigName('PublishAllPorts');
const PORT_BINDINGS = hostConfigName('PortBindings');

function checkContainer(facts: RequestFacts, rules: readonly PortRule[]): Violation | undefined {
  for (const f of hostConfigField(facts, PUBLISH_ALL_PORTS)) {
    if (f.value === false) continue;
    if (f.value !== true) return violation(`${f.path} ${show(f.value)} is not a boolean`);
    if (!allowed(rules, undefined, 0, 0)) return notAllowed(`${f.path}: publishing every exposed port on ports the daemon picks, with no HostIp (${NO_HOST_IP}),`, rules);
  }
  for (const f of hostConfigField(facts, PORT_BINDINGS)) {
    if (!isObject(f.value)) return violation(`${f.path} is ${typeName(f.value)}, not a map`);
    for (const [containerPort, list] of Object.entries(f.value)) {
      if (list === null) continue;
      for (const { value, suffix } of items(list)) {
        const v = checkBinding(`${f.path}[${JSON.stringify(containerPort)}]${suffix}`, value, rules);
        if (v) return v;
      }
    }
  }
  return undefined;
}

/** Service `EndpointSpec.Ports[].PublishedPort`: a number, 0 or absent for a port swarm picks. */
function checkService(facts: RequestFacts, rules: readonly PortRule[]): Violation | undefined {
  const ports = field(facts.body, 'EndpointSpec', 'Ports');
  if (ports === undefined || ports === null) return undefined;
  for (const { value, suffix } of items(ports)) {
    const path = `EndpointSpec.Ports${suffix}`;
    if (value === null) continue;
    if (!isObject(value)) return violation(`${path} is ${typeName(value)}, not a map`);
    const published = field(value, 'PublishedPort');
    const port = published === undefined || published === null ? 0 : published;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return violation(`${path}.PublishedPort ${show(published)} is not a port number`);
    if (!allowed(rules, undefined, port, port)) return notAllowed(`${path}: publishing ${port === 0 ? 'a port swarm picks' : `port ${port}`} on every interface`, rules);
  }
  return undefined;
}

/** The `publishedPorts` guard, as this file's header describes it. */
export const publishedPortsGuard = defineGuard({
  key: 'publishedPorts',
  summary: 'host ports and addresses containers and services publish (-p, -P, service --publish) by allow list',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS],
  parse,
  check(config, { facts }) {
    if (config.any) return undefined;
    return isServiceWrite(facts) ? checkService(facts, config.allow) : checkContainer(facts, config.allow);
  },
});
