/**
 * `networkDrivers: { allow: [bridge, overlay] }` limits the drivers of networks created
 * (`host`, `macvlan` and `ipvlan` give access to host interfaces). While the guard is on,
 * network create options that reach host interfaces are refused too: `parent`,
 * `com.docker.network.bridge.name` (adopting an existing host bridge), `...default_bridge`
 * (adopting docker0),
 * `...trusted_host_interfaces`, gateway modes `routed`/`nat-unprotected`, `ConfigFrom`
 * (its driver is not visible here) and `Ingress`.
 */
import { field, isObject } from '../../facts/go-fold.js';
import { configFrom, isSet, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseAllowList } from './settings.js';

// default_bridge=true makes libnetwork take the bridge name docker0: the network adopts the
// default bridge, renumbers it and shares its layer 2 with every default-bridge container.
const HOST_OPTIONS = ['parent', 'com.docker.network.bridge.name', 'com.docker.network.bridge.trusted_host_interfaces', 'com.docker.network.bridge.default_bridge'];
const GATEWAY_MODES = ['com.docker.network.bridge.gateway_mode_ipv4', 'com.docker.network.bridge.gateway_mode_ipv6'];

/** The `networkDrivers` guard, as this file's header describes it. */
export const networkDriversGuard = defineGuard({
  key: 'networkDrivers',
  summary: 'network drivers and host-interface options of network create',
  operations: [OP.networkCreate],
  parse: (value, at, problems) => parseAllowList(value, at, problems),
  check(config, { facts }) {
    if (config.any) return undefined;
    const driver = field(facts.body, 'Driver');
    const name = driver === undefined || driver === null || driver === '' ? 'bridge' : driver;
    if (typeof name !== 'string' || !config.allow.includes(name)) {
      return { code: 'network-driver', reason: `Driver ${show(name)} is not an allowed network driver` };
    }
    const options = field(facts.body, 'Options');
    if (isObject(options)) {
      for (const key of Object.keys(options)) {
        const k = key.toLowerCase();
        const value = options[key];
        if (HOST_OPTIONS.includes(k)) return { code: 'network-option', reason: `Options ${show(key)} reaches host interfaces` };
        if (GATEWAY_MODES.includes(k) && typeof value === 'string' && value !== 'nat') {
          return { code: 'network-option', reason: `Options ${show(key)} is not allowed with a gateway mode other than "nat"` };
        }
      }
    }
    const from = configFrom(facts);
    if (from !== undefined) {
      return { code: 'network-option', reason: `ConfigFrom ${show(from)} is not allowed` };
    }
    if (isSet(field(facts.body, 'Ingress'))) return { code: 'network-option', reason: 'Ingress is not allowed' };
    return undefined;
  },
});
