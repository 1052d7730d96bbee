/**
 * `sysctls: { allow: [net.ipv4.ping_group_range, "net.core.*"] }` limits namespaced sysctls a
 * container or service sets (a trailing `*` matches any suffix); `sysctls: false` allows none.
 * Also the per-interface sysctls of an endpoint (API 1.46): the endpoint driver option
 * `com.docker.network.endpoint.sysctls` (`net.ipv4.conf.IFNAME.forwarding=1,...`) at create
 * (`NetworkingConfig.EndpointsConfig.*.DriverOpts`), network connect
 * (`EndpointConfig.DriverOpts`) and in a service's network attachments
 * (`TaskTemplate.Networks[].DriverOpts` and the legacy `Networks[].DriverOpts`, which the swarm
 * executor copies into each task container's endpoint). Their names are matched as dockerd
 * reads them: the interface part `IFNAME` may also be spelled `ifname` (see endpointSpellings).
 * A service attachment's value is judged as written: the swarm agent expands no template in
 * network attachments (swarm-templates.ts).
 */
import type { JsonValue, RequestFacts } from '../../core/types.js';
import { containerSpecField, hostConfigField, hostConfigName, show, typeName, type Found } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS, OP, SERVICE_OPS } from './operations.js';
import { serviceNetworkAttachments } from './service-networks.js';
import { parseAllowList } from './settings.js';
import { field, isObject } from '../../facts/go-fold.js';

const ENDPOINT_SYSCTLS = 'com.docker.network.endpoint.sysctls';

/** The endpoint-sysctls driver option of one endpoint's settings, keys matched case-insensitively. */
function endpointSysctls(settings: JsonValue | undefined, path: string, out: Found[]): void {
  const opts = field(settings, 'DriverOpts');
  if (!isObject(opts)) return;
  for (const [key, value] of Object.entries(opts)) {
    if (key.toLowerCase() === ENDPOINT_SYSCTLS) out.push({ path: `${path}.DriverOpts[${JSON.stringify(key)}]`, value });
  }
}

function endpointSysctlOptions(facts: RequestFacts): Found[] {
  const out: Found[] = [];
  if (facts.operation?.name === OP.containerCreate) {
    const endpoints = field(facts.body, 'NetworkingConfig', 'EndpointsConfig');
    if (isObject(endpoints)) for (const [net, settings] of Object.entries(endpoints)) endpointSysctls(settings, `NetworkingConfig.EndpointsConfig.${net}`, out);
  } else if (facts.operation?.name === OP.networkConnect) {
    endpointSysctls(field(facts.body, 'EndpointConfig'), 'EndpointConfig', out);
  } else {
    for (const { path, value } of serviceNetworkAttachments(facts)) endpointSysctls(value, path, out);
  }
  return out;
}

function allowed(name: string, allow: readonly string[]): boolean {
  return allow.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : name === a));
}

/**
 * The spellings dockerd treats as one endpoint sysctl: its validator (API 1.46) takes the 4th
 * dot-separated part of `net.X.Y.IFNAME.Z` as the interface placeholder when it is exactly
 * `IFNAME` or `ifname` ("because the CLI converts to lower case": docker 28 lowercases every
 * `driver-opt`), refuses any other, and applies the sysctl to the endpoint's interface whatever
 * that part says. So a name with either spelling there stands for both, and a policy entry
 * written with either allows both; any other name (`IfName`, which dockerd refuses, included)
 * only for itself. Container and service `Sysctls` keep exact matching: dockerd gives
 * `IFNAME`/`ifname` no meaning there (the runtime writes the name as given, an interface
 * called `ifname`).
 */
function endpointSpellings(name: string): string[] {
  const parts = name.split('.');
  if (parts.length < 5 || (parts[3] !== 'IFNAME' && parts[3] !== 'ifname')) return [name];
  return ['IFNAME', 'ifname'].map((ifname) => [...parts.slice(0, 3), ifname, ...parts.slice(4)].join('.'));
}

const SYSCTLS = hostConfigName('Sysctls');

/** The `sysctls` guard, as this file's header describes it. */
export const sysctlsGuard = defineGuard({
  key: 'sysctls',
  summary: 'kernel parameters (HostConfig.Sysctls, service ContainerSpec.Sysctls, endpoint sysctls) by allow list',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS, OP.networkConnect],
  parse: (value, at, problems) => parseAllowList(value, at, problems),
  check(config, { facts }) {
    if (config.any) return undefined;
    for (const f of [...hostConfigField(facts, SYSCTLS), ...containerSpecField(facts, 'Sysctls')]) {
      if (!isObject(f.value)) return { code: 'sysctl', reason: `${f.path} ${show(f.value)} is not a map` };
      for (const name of Object.keys(f.value)) {
        if (!allowed(name, config.allow)) return { code: 'sysctl', reason: `${f.path} ${show(name)} is not an allowed sysctl` };
      }
    }
    for (const f of endpointSysctlOptions(facts)) {
      // A driver option: named, and a value that is not a string by its type only.
      if (typeof f.value !== 'string') return { code: 'sysctl', reason: `${f.path} is ${typeName(f.value)}, not a string` };
      for (const entry of f.value.split(',')) {
        const name = (entry.split('=')[0] ?? '').trim();
        if (!endpointSpellings(name).some((n) => allowed(n, config.allow))) return { code: 'sysctl', reason: `${f.path} ${show(name)} is not an allowed sysctl` };
      }
    }
    return undefined;
  },
});
