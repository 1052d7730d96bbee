/**
 * Objects a container create body refers to, which must also be the caller's (or shared):
 * `VolumesFrom`, `container:<id>` namespace (and `Cgroup`) modes, `Links`, named volumes in `Binds` and
 * `Mounts`, networks in `NetworkMode` and `NetworkingConfig.EndpointsConfig` (keys and
 * `NetworkID`s), and the containers an endpoint's `Links` name. Pure.
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import type { ObjectKind } from '../policy/tenancy-schema.js';
import { endpointAddresses, macAddressSet } from './endpoint-addresses.js';

/** One referenced object, with where it was found (for messages). */
export interface Reference {
  kind: Extract<ObjectKind, 'containers' | 'volumes' | 'networks'>;
  name: string;
  where: string;
  /** A network endpoint that gives the container extra DNS names (`Aliases`, `Links`) on it. */
  namesOnNetwork?: boolean;
  /** A network on which the create fixes the container's MAC or IP addresses (endpoint-addresses.ts). */
  fixesAddress?: boolean;
  /** The `EndpointsConfig` key of the endpoint a network or an endpoint link comes from. */
  endpoint?: string;
}

/** Whether an endpoint config gives the container DNS names beyond its own (Aliases, Links). */
export function endpointNames(endpoint: JsonValue | undefined): boolean {
  return ['Aliases', 'Links'].some((key) => {
    const v = field(endpoint, key);
    return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null;
  });
}

/**
 * The containers an endpoint's `Links` name (create's `EndpointsConfig.<net>.Links`, network
 * connect's `EndpointConfig.Links`): on a user network dockerd makes each link an alias, only
 * for this container, of the linked container's name (BuildJoinOptions). A link dockerd cannot
 * parse names none.
 */
export function endpointLinkNames(endpoint: JsonValue | undefined): string[] {
  return strings(field(endpoint, 'Links')).flatMap((link) => {
    const name = parseLink(link)?.name;
    return name === undefined ? [] : [name];
  });
}

/** Network modes that name no user network. */
export const BUILTIN_NETWORKS = new Set(['', 'default', 'bridge', 'host', 'none']);
/**
 * Fields whose `container:<x>` joins another container. `Cgroup` (API `HostConfig.Cgroup`) is
 * ignored by dockerd 20.10 on Linux, but its `container:<x>` names a container all the same:
 * checked and pinned like the others (fail closed), as the hostNamespaces guard checks it.
 */
const NAMESPACE_MODES = ['NetworkMode', 'IpcMode', 'PidMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode', 'Cgroup'];

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A `Binds` entry's source when it is a named volume (not an absolute host path). */
export function bindVolumeName(bind: string): string | undefined {
  const src = bind.split(':')[0] ?? '';
  if (src === '' || src.startsWith('/') || src.startsWith('.') || src.startsWith('~')) return undefined;
  // Windows-style paths do not reach a Linux daemon; anything else is a volume name.
  return src;
}

/**
 * A link as dockerd's ParseLink reads it: `name`, `name:alias`, or `/name:/parent/alias` (the
 * form dockerd itself stores); the container name without its leading `/`. Undefined for
 * what dockerd refuses (more than one `:`).
 */
export function parseLink(link: string): { name: string; alias: string } | undefined {
  const parts = link.split(':');
  if (parts.length > 2 || link === '') return undefined;
  const [first = '', second] = parts;
  if (second === undefined) return { name: first.replace(/^\//, ''), alias: link };
  if (first.startsWith('/')) return { name: first.slice(1), alias: second.slice(second.lastIndexOf('/') + 1) };
  return { name: first, alias: second };
}

/**
 * The references of one HostConfig copy; `prefix` names it in messages (`HostConfig.` or none).
 * `mac`: the body sets `MacAddress`, which dockerd gives the endpoint of the `NetworkMode` network.
 */
function hostConfigReferences(host: JsonValue | undefined, prefix: string, mac: boolean, refs: Reference[]): void {
  for (const v of strings(field(host, 'VolumesFrom'))) refs.push({ kind: 'containers', name: v.split(':')[0] ?? v, where: `${prefix}VolumesFrom` });
  for (const mode of NAMESPACE_MODES) {
    const v = field(host, mode);
    if (typeof v !== 'string') continue;
    if (v.startsWith('container:')) refs.push({ kind: 'containers', name: v.slice('container:'.length), where: `${prefix}${mode}` });
    else if (mode === 'NetworkMode' && !BUILTIN_NETWORKS.has(v)) refs.push({ kind: 'networks', name: v, where: `${prefix}NetworkMode`, ...(mac ? { fixesAddress: true } : {}) });
  }
  for (const link of strings(field(host, 'Links'))) {
    // A link dockerd refuses to parse names no container it would look up.
    const name = parseLink(link)?.name;
    if (name !== undefined) refs.push({ kind: 'containers', name, where: `${prefix}Links` });
  }
  for (const bind of strings(field(host, 'Binds'))) {
    const name = bindVolumeName(bind);
    if (name !== undefined) refs.push({ kind: 'volumes', name, where: `${prefix}Binds` });
  }
  const mounts = field(host, 'Mounts');
  if (Array.isArray(mounts)) {
    for (const m of mounts) {
      const type = field(m, 'Type');
      const source = field(m, 'Source');
      if (type === 'volume' && typeof source === 'string' && source !== '') refs.push({ kind: 'volumes', name: source, where: `${prefix}Mounts` });
    }
  }
}

/**
 * Every object a ContainerCreate body refers to, in `HostConfig` and in the legacy top-level
 * copy of its fields (API < 1.24 clients put them there; dockerd 20.10 uses that copy whole
 * when the body has no `HostConfig`). Both are checked, as the policy's guards check both.
 */
export function createReferences(body: JsonValue | undefined): Reference[] {
  const refs: Reference[] = [];
  const mac = macAddressSet(body);
  hostConfigReferences(field(body, 'HostConfig'), 'HostConfig.', mac, refs);
  hostConfigReferences(body, '', mac, refs);
  const endpoints = field(body, 'NetworkingConfig', 'EndpointsConfig');
  if (isObject(endpoints)) {
    for (const [name, endpoint] of Object.entries(endpoints)) {
      const namesOnNetwork = endpointNames(endpoint);
      const fixes = endpointAddresses(endpoint) ? { fixesAddress: true } : {};
      if (!BUILTIN_NETWORKS.has(name)) refs.push({ kind: 'networks', name, where: 'NetworkingConfig.EndpointsConfig', namesOnNetwork, endpoint: name, ...fixes });
      // dockerd joins the endpoint's NetworkID, when set, instead of the network its key names.
      const id = field(endpoint, 'NetworkID');
      if (typeof id === 'string' && id !== '') refs.push({ kind: 'networks', name: id, where: endpointIdWhere(name), namesOnNetwork, endpoint: name, ...fixes });
      for (const link of endpointLinkNames(endpoint)) refs.push({ kind: 'containers', name: link, where: `NetworkingConfig.EndpointsConfig.${name}.Links`, endpoint: name });
    }
  }
  return refs;
}

/** Where an endpoint's `NetworkID` is, for messages and for pinning it. */
export function endpointIdWhere(key: string): string {
  return `NetworkingConfig.EndpointsConfig.${key}.NetworkID`;
}
