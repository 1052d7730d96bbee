/**
 * `networkSubnets: { allow: [10.200.0.0/16, "fd00:d0c::/48"] }` limits the addresses a network
 * create names: every `IPAM.Config[].Subnet`, `IPRange`, `Gateway` and auxiliary address must
 * lie inside an allowed prefix. `networkSubnets: false` allows none: networks get their subnet
 * from the daemon's own address pools. dockerd does not check a subnet it is given against the
 * host's routes: a bridge network on `10.1.2.0/24` (or a public range) puts a route on the host
 * that takes the host's traffic for those addresses into the bridge, where the creator's
 * containers answer it. While the guard is on, only dockerd's own IPAM driver is allowed
 * (another driver hands out addresses the guard cannot see), no `ConfigFrom` (a network
 * made from a config-only one takes addresses this request does not carry), and `EnableIPv6`
 * only when an IPv6 range is allowed (dockerd then turns on IPv6 forwarding host-wide; daemons
 * from 27 on give such a network a subnet from their own pools).
 */
import type { JsonValue, RequestFacts } from '../../core/types.js';
import { field, isObject, mapEntries } from '../../facts/go-fold.js';
import type { KeyPath, Problems } from '../problems.js';
import { configFrom, items, show, typeName } from './body.js';
import { defineGuard, type Violation } from './guard.js';
import { hasHostBits, networkOf, parseIpAddress, parseIpPrefix, prefixContains, type IpPrefix } from './ip-prefix.js';
import { OP } from './operations.js';
import { parseAllowList } from './settings.js';

/** Parsed `networkSubnets` settings: `any` permits every address, else only inside `allow`. */
export interface NetworkSubnetsSetting {
  any: boolean;
  allow: IpPrefix[];
}

/** Validate one allowed prefix of the policy: a CIDR without host bits. */
function allowedPrefix(item: string, at: KeyPath, problems: Problems): string | undefined {
  const prefix = parseIpPrefix(item);
  if (!prefix) {
    problems.add(at, `${JSON.stringify(item)} is not an IP prefix in CIDR notation (e.g. 10.200.0.0/16 or fd00:d0c::/48; IPv4-mapped IPv6 is not accepted)`);
    return undefined;
  }
  if (hasHostBits(prefix)) {
    problems.add(at, `${JSON.stringify(item)} has host bits set: did you mean ${networkOf(prefix)}?`);
    return undefined;
  }
  return item;
}

function parse(value: unknown, at: KeyPath, problems: Problems): NetworkSubnetsSetting | undefined {
  const list = parseAllowList(value, at, problems, (item, itemAt) => allowedPrefix(item, itemAt, problems));
  if (!list) return undefined;
  return { any: list.any, allow: list.allow.map((item) => parseIpPrefix(item) as IpPrefix) };
}

/** The driver option dockerd 27+ reads as EnableIPv6, and the values Go's ParseBool reads as false. */
const IPV6_OPTION = 'com.docker.network.enable_ipv6';
const GO_FALSE = ['0', 'f', 'F', 'false', 'FALSE', 'False'];

/** The IPAM drivers that hand out only what the request and the daemon's pools say. */
const DEFAULT_IPAM = ['', 'default'];

function checkAddress(path: string, value: JsonValue | undefined, kind: 'prefix' | 'address', allow: readonly IpPrefix[]): Violation | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return { code: 'network-subnet', reason: `${path} is ${typeName(value)}, not a string` };
  const parsed = kind === 'prefix' ? parseIpPrefix(value) : parseIpAddress(value);
  if (!parsed) return { code: 'network-subnet', reason: `${path} ${show(value)} is not an IP ${kind} dockgate reads the way dockerd does` };
  if (!allow.some((range) => prefixContains(range, parsed))) {
    const where = allow.length ? 'is outside the allowed network ranges' : 'is not allowed: no address may be named (the daemon picks the subnet from its own pools)';
    return { code: 'network-subnet', reason: `${path} ${show(value)} ${where}` };
  }
  return undefined;
}

/** A network made from a config-only one takes that one's addresses, which this request does not carry. */
function configFromViolation(facts: RequestFacts): Violation | undefined {
  const from = configFrom(facts);
  return from === undefined ? undefined : { code: 'network-subnet', reason: `ConfigFrom ${show(from)} is not allowed: the addresses of a config-only network are not checked` };
}

/**
 * dockerd turns on IPv6 forwarding for the whole host (net.ipv6.conf.all.forwarding=1, kept
 * after the network is gone) for an IPv6 bridge network; a host that takes its IPv6 route from
 * router advertisements then loses it. Only with an IPv6 range allowed. dockerd 27 and later
 * also read the driver option com.docker.network.enable_ipv6 when EnableIPv6 is absent (the
 * docker CLI 28 sends no EnableIPv6 without --ipv6).
 */
function ipv6Violation(facts: RequestFacts, allow: readonly IpPrefix[]): Violation | undefined {
  const ipv6 = field(facts.body, 'EnableIPv6');
  const options = mapEntries(field(facts.body, 'Options'), IPV6_OPTION).filter((e) => !(typeof e.value === 'string' && GO_FALSE.includes(e.value)));
  const asked = ipv6 !== undefined && ipv6 !== null && ipv6 !== false;
  if (!asked && options.length === 0) return undefined;
  if (asked && ipv6 !== true) return { code: 'network-subnet', reason: `EnableIPv6 ${show(ipv6)} is not a boolean` };
  if (allow.some((range) => range.family === 6)) return undefined;
  const what = asked ? 'EnableIPv6' : `Options[${JSON.stringify(options[0]?.key)}]`;
  return { code: 'network-subnet', reason: `${what} is not allowed: no IPv6 range is allowed (an IPv6 network turns on IPv6 forwarding for the whole host)` };
}

/** The IPAM driver and every address of `IPAM.Config`. */
function ipamViolation(facts: RequestFacts, allow: readonly IpPrefix[]): Violation | undefined {
  const ipam = field(facts.body, 'IPAM');
  if (ipam === undefined || ipam === null) return undefined;
  if (!isObject(ipam)) return { code: 'network-subnet', reason: `IPAM is ${typeName(ipam)}, not a map` };
  const driver = field(ipam, 'Driver');
  if (driver !== undefined && driver !== null && !(typeof driver === 'string' && DEFAULT_IPAM.includes(driver))) {
    return { code: 'network-subnet', reason: `IPAM.Driver ${show(driver)} is not allowed: only the daemon's default IPAM driver is checked` };
  }
  const configs = field(ipam, 'Config');
  if (configs === undefined || configs === null) return undefined;
  for (const { value: entry, suffix } of items(configs)) {
    const at = `IPAM.Config${suffix}`;
    if (entry === null) continue;
    if (!isObject(entry)) return { code: 'network-subnet', reason: `${at} is ${typeName(entry)}, not a map` };
    const violation =
      checkAddress(`${at}.Subnet`, field(entry, 'Subnet'), 'prefix', allow) ??
      checkAddress(`${at}.IPRange`, field(entry, 'IPRange'), 'prefix', allow) ??
      checkAddress(`${at}.Gateway`, field(entry, 'Gateway'), 'address', allow);
    if (violation) return violation;
    const aux = field(entry, 'AuxiliaryAddresses');
    if (aux === undefined || aux === null) continue;
    if (!isObject(aux)) return { code: 'network-subnet', reason: `${at}.AuxiliaryAddresses is ${typeName(aux)}, not a map` };
    for (const [name, address] of Object.entries(aux)) {
      const auxViolation = checkAddress(`${at}.AuxiliaryAddresses[${JSON.stringify(name)}]`, address, 'address', allow);
      if (auxViolation) return auxViolation;
    }
  }
  return undefined;
}

/** The `networkSubnets` guard, as this file's header describes it. */
export const networkSubnetsGuard = defineGuard({
  key: 'networkSubnets',
  summary: 'addresses a network create names (IPAM subnets, ranges, gateways, auxiliary addresses) by allowed prefixes',
  operations: [OP.networkCreate],
  parse,
  check(config, { facts }) {
    if (config.any) return undefined;
    return configFromViolation(facts) ?? ipv6Violation(facts, config.allow) ?? ipamViolation(facts, config.allow);
  },
});
