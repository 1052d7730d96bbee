/**
 * Fixed MAC and IP addresses of a container's network endpoint: `--mac-address` (the create's
 * top-level `MacAddress`, which dockerd gives the endpoint of the `NetworkMode` network, or the
 * default bridge), `--ip`, `--ip6`, `--link-local-ip` (an endpoint's `IPAMConfig`) and an
 * endpoint's own `MacAddress` (API 1.44 clients; dockerd 20.10 ignores it, refused all the
 * same). On a network other tenants use, such an address can be another tenant's container's:
 * its traffic, or its next start, goes to the caller. Tenancy refuses them there. Pure.
 */
import type { JsonValue } from '../core/types.js';
import { field } from '../facts/go-fold.js';

/** Whether a value sets something: not absent, null, `""` or an empty list. */
function set(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null || v === '') return false;
  return !Array.isArray(v) || v.length > 0;
}

/** Whether an endpoint config (create's `EndpointsConfig.<net>`, connect's `EndpointConfig`) fixes an address. */
export function endpointAddresses(endpoint: JsonValue | undefined): boolean {
  const ipam = field(endpoint, 'IPAMConfig');
  return ['IPv4Address', 'IPv6Address', 'LinkLocalIPs'].some((key) => set(field(ipam, key))) || set(field(endpoint, 'MacAddress'));
}

/** Whether a create body sets the container's `MacAddress` (top level, API < 1.44). */
export function macAddressSet(body: JsonValue | undefined): boolean {
  return set(field(body, 'MacAddress'));
}

/** NetworkMode values that put the container on the default bridge. */
const DEFAULT_BRIDGE_MODES = new Set(['', 'default', 'bridge']);
/** Endpoint keys that name a predefined network (no reference check reaches them). */
const PREDEFINED_KEYS = new Set(['', 'default', 'bridge', 'host', 'none']);

/**
 * A fixed address on a predefined network, which no reference of the body covers (they name
 * user networks only): `MacAddress` with the default bridge as `NetworkMode` (of the
 * HostConfig dockerd reads: `HostConfig` when present, else the legacy top level), or an
 * endpoint keyed by a predefined network's name with addresses. Where it is, or undefined.
 */
export function addressOnPredefinedNetwork(body: JsonValue | undefined): { where: string; network: string } | undefined {
  const inner = field(body, 'HostConfig');
  const host = inner === undefined || inner === null ? body : inner;
  const mode = field(host, 'NetworkMode');
  if (macAddressSet(body) && (mode === undefined || mode === null || (typeof mode === 'string' && DEFAULT_BRIDGE_MODES.has(mode)))) {
    return { where: 'MacAddress', network: 'bridge' };
  }
  const endpoints = field(body, 'NetworkingConfig', 'EndpointsConfig');
  if (endpoints !== null && typeof endpoints === 'object' && !Array.isArray(endpoints)) {
    for (const [key, endpoint] of Object.entries(endpoints)) {
      if (PREDEFINED_KEYS.has(key) && endpointAddresses(endpoint)) return { where: `NetworkingConfig.EndpointsConfig.${key}`, network: key === '' || key === 'default' ? 'bridge' : key };
    }
  }
  return undefined;
}
