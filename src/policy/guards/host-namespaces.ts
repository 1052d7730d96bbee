/**
 * `hostNamespaces: false` refuses sharing the host's namespaces (network, pid, ipc, uts,
 * userns, cgroupns) and joining another container's (`container:<id>`), which inherits
 * whatever that container was allowed. Networks are compared by name: the host network named
 * by its ID or an ID prefix is not resolved here (a pure check; a hex string is also a valid
 * network name), see docs/policy.md "Networks by ID"; except a service's networks, which the
 * guard hands (networkLookups) to the request path to resolve on the daemon before forwarding
 * (src/server/host-network-check.ts): the docker CLI sends them as IDs, and a service task on
 * the host network gets the host's network namespace. Every `EndpointsConfig` key is checked,
 * exactly: it is a Go map, where `host` and `HOST` are two entries, and dockerd's network look-up
 * does not fold case.
 */
import type { BodyAmendment, JsonValue, RequestFacts } from '../../core/types.js';
import { apiVersionBelow } from '../../facts/api-version.js';
import { field, isObject } from '../../facts/go-fold.js';
import { hasLegacyHostFields } from '../../facts/legacy-host-fields.js';
import { hostConfigField, hostConfigName, items, show, type Found } from './body.js';
import { defineGuard, type Violation } from './guard.js';
import { serviceNetworkLookups, serviceNetworkTargets } from './service-networks.js';
import { CONTAINER_OPS, OP, SERVICE_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

/** HostConfig fields naming a namespace mode; `Cgroup: container:<id>` joins another container's cgroup. */
const MODES = ['NetworkMode', 'PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode', 'Cgroup'].map((name) => hostConfigName(name));

/** The `hostNamespaces` guard, as this file's header describes it. */
export const hostNamespacesGuard = defineGuard({
  key: 'hostNamespaces',
  summary: 'host namespaces and container:<id> joins (NetworkMode, PidMode, IpcMode, UTSMode, UsernsMode, CgroupnsMode, Cgroup)',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS, OP.networkConnect],
  parse: parseSwitch,
  check(config, { facts, op }) {
    if (!config.refuse) return undefined;
    if (op === OP.networkConnect) {
      // The network is the path parameter; dockerd refuses host here too, we say why first.
      for (const value of Object.values(facts.params)) {
        if (value.toLowerCase() === 'host') return { code: 'host-namespace', reason: 'connecting to the host network is not allowed' };
      }
      return undefined;
    }
    for (const name of MODES) {
      for (const f of hostConfigField(facts, name)) {
        const v = modeViolation(f);
        if (v) return v;
      }
    }
    if (op === OP.containerCreate) {
      const endpoints = field(facts.body, 'NetworkingConfig', 'EndpointsConfig');
      if (endpoints && typeof endpoints === 'object' && !Array.isArray(endpoints)) {
        // A Go map: keys are network names, which dockerd looks up exactly (FindNetwork: ID,
        // name, ID prefix; the host network's ID is lower-case hex): `Host` or `HOST` is another
        // network's name, never the host's (seen on dockerd 20.10: a network named `Host` is the
        // one joined). `container:` means nothing to it as a key: refused anyway.
        for (const key of Object.keys(endpoints)) {
          if (key === 'host' || key.startsWith('container:')) {
            return { code: 'host-namespace', reason: `NetworkingConfig.EndpointsConfig ${show(key)} is not allowed` };
          }
        }
      }
    }
    for (const t of serviceNetworkTargets(facts)) {
      if (typeof t.value !== 'string' || t.value.toLowerCase() === 'host') {
        return { code: 'host-namespace', reason: `${t.path} ${show(t.value)} is not allowed` };
      }
    }
    return undefined;
  },
  amend(config, { facts, op }) {
    return config.refuse && op === OP.containerCreate ? cgroupnsAmendment(facts) : undefined;
  },
  networkLookups(config, { facts }) {
    // A service's networks by ID (what the docker CLI sends) or ID prefix: resolved on the
    // daemon before forwarding (src/server/host-network-check.ts).
    if (!config.refuse) return undefined;
    const lookups = serviceNetworkLookups(facts);
    return lookups.length ? lookups : undefined;
  },
});

/**
 * dockerd (20.10 and later) gives a container create of API < 1.41 that leaves `CgroupnsMode`
 * empty the host's cgroup namespace on a cgroup v1 host, whatever the daemon's
 * `default-cgroupns-mode`; clients pinned to an older API (docker-py's `version=`,
 * `COMPOSE_API_VERSION`) send no `CgroupnsMode`. Refusing such creates would refuse those
 * clients, so the gateway asks for `private` instead, in the
 * HostConfig dockerd reads: `HostConfig` when the body has one (not null), else the legacy
 * top level when it holds host fields, else a new `HostConfig` (without one dockerd forces
 * nothing, but tenancy adds one for its limits, and then it would). A new `HostConfig` changes
 * more in dockerd than this mode (`IpcMode` below API 1.40, the top-level `Cpuset`): amendBody
 * makes up for that (src/tenancy/added-host-config.ts).
 */
function cgroupnsAmendment(facts: RequestFacts): BodyAmendment | undefined {
  const body = facts.body;
  if (!isObject(body) || !apiVersionBelow(facts.apiVersion, '1.41')) return undefined;
  const inner = field(body, 'HostConfig');
  let where: string[];
  if (inner !== undefined && inner !== null) {
    // Not an object: dockerd cannot decode the body and creates nothing.
    if (!isObject(inner)) return undefined;
    where = ['HostConfig'];
  } else if (hasLegacyHostFields(body)) where = [];
  // No HostConfig at all: dockerd would force nothing, but tenancy's limits may add one,
  // which it would then force; a HostConfig holding only the mode is forced in no case.
  else where = ['HostConfig'];
  const mode = field(body, ...where, 'CgroupnsMode');
  if (mode !== undefined && mode !== null && mode !== '') return undefined;
  return {
    code: 'cgroupns-private',
    reason: `${[...where, 'CgroupnsMode'].join('.')} set to "private" (with API ${facts.apiVersion ?? ''} and none given, dockerd would use the host's cgroup namespace on a cgroup v1 host)`,
    path: [...where, 'CgroupnsMode'],
    value: 'private',
  };
}

function modeViolation(f: Found): Violation | undefined {
  for (const { value, suffix } of items(f.value as JsonValue)) {
    if (typeof value !== 'string') return { code: 'host-namespace', reason: `${f.path}${suffix} ${show(value)} is not a valid mode` };
    // dockerd compares exactly; folding only refuses more (HOST would fail at the daemon).
    const v = value.toLowerCase();
    if (v === 'host') return { code: 'host-namespace', reason: `${f.path} "host" is not allowed` };
    if (v.startsWith('container:')) return { code: 'host-namespace', reason: `${f.path} ${show(value)} joins another container's namespace` };
  }
  return undefined;
}
