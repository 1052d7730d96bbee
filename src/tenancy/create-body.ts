/**
 * Rewrites of a container create body after its references were checked: container and
 * network references pinned to the IDs they resolved to, and the caller's owner labels on
 * the anonymous volumes its `Mounts` make. Pure: works on a decoded body it changes in place.
 */
import type { JsonObject, JsonValue } from '../core/types.js';
import { field, goKey, isObject } from '../facts/go-fold.js';
import { BodyShapeError, goObjectAt, goSet } from './labels.js';
import type { ResolvedObject } from './access.js';
import { endpointIdWhere, parseLink } from './references.js';
import { emptyObject, ownValue, setOwn } from './body-copy.js';

/**
 * Replace a container reference by the ID it resolved to, so the daemon acts on what was
 * checked. Pinned in `HostConfig`, what dockerd reads once the body has one: a reference
 * found in the legacy top level (`where` without `HostConfig.`) is in it too, copied there by
 * promoteLegacyHostConfig.
 */
export function pinContainer(body: JsonObject, where: string, name: string, id: string): void {
  const host = goObjectAt(body, 'HostConfig');
  const hostField = where.startsWith('HostConfig.') ? where.slice('HostConfig.'.length) : where;
  if (hostField === 'VolumesFrom') {
    const key = goKey(host, 'VolumesFrom');
    const list = key ? host[key] : undefined;
    if (Array.isArray(list)) {
      host[key as string] = list.map((v) => (typeof v === 'string' && (v === name || v.startsWith(`${name}:`)) ? id + v.slice(name.length) : v));
    }
  } else if (hostField === 'Links') {
    // dockerd looks a link's container up again by name when it creates the container: pinned
    // to `<id>:<alias>` (the alias dockerd would have taken), a rename in between cannot turn it.
    const key = goKey(host, 'Links');
    const list = key ? host[key] : undefined;
    if (Array.isArray(list)) {
      host[key as string] = list.map((v) => {
        const link = typeof v === 'string' ? parseLink(v) : undefined;
        return link && link.name === name ? `${id}:${link.alias}` : v;
      });
    }
  } else {
    const key = goKey(host, hostField);
    if (key && host[key] === `container:${name}`) host[key] = `container:${id}`;
  }
}

/** dockerd's predefined networks (user networks cannot take these names). */
export const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none']);

/** Whether a resolved network is one of dockerd's predefined ones (no owner, a predefined name). */
export function isPredefinedNetwork(obj: ResolvedObject): boolean {
  return obj.kind === 'networks' && obj.ownership.owner === undefined && obj.names.some((n) => PREDEFINED_NETWORKS.has(n));
}

/** Replace an endpoint's `NetworkID` by the full ID it resolved to (a prefix could later name another network). */
export function pinEndpointId(body: JsonObject, where: string, id: string): void {
  const endpoints = goObjectAt(body, 'NetworkingConfig', 'EndpointsConfig');
  for (const key of Object.keys(endpoints)) {
    const endpoint = endpoints[key];
    if (endpointIdWhere(key) === where && isObject(endpoint as JsonValue)) goSet(endpoint as JsonObject, 'NetworkID', id);
  }
}

/**
 * Pin a network named in `NetworkMode` or as an `EndpointsConfig` key: dockerd keeps the name
 * and looks it up again at start (ID, name, then ID prefix), when it may name another network,
 * but it joins an endpoint's `NetworkID` when one is set. A client's own `NetworkID` is its own
 * reference (pinned by pinEndpointId). With another endpoint key present dockerd joins only
 * that endpoint, so a NetworkMode network is not added beside it.
 */
export function pinNetwork(body: JsonObject, name: string, id: string): void {
  const endpoints = goObjectAt(body, 'NetworkingConfig', 'EndpointsConfig');
  const keys = Object.keys(endpoints);
  if (keys.length > 0 && !keys.includes(name)) return;
  // A Go map: the key is exact (an own key: a network may be named `constructor` or `__proto__`).
  // A non-object endpoint is one dockerd cannot decode.
  const existing = ownValue(endpoints, name);
  if (existing !== undefined && existing !== null && !isObject(existing)) throw new BodyShapeError(`NetworkingConfig.EndpointsConfig["${name}"] is not an object: dockerd refuses the body`);
  let endpoint: JsonObject;
  if (isObject(existing)) endpoint = existing;
  else setOwn(endpoints, name, (endpoint = emptyObject()));
  const current = field(endpoint, 'NetworkID');
  if (typeof current === 'string' && current !== '') return;
  goSet(endpoint, 'NetworkID', id);
}

/** The `Mounts` of both HostConfig copies (current and legacy top-level) in a create body. */
function volumeMounts(body: JsonValue | undefined): JsonObject[] {
  const out: JsonObject[] = [];
  for (const mounts of [field(body, 'HostConfig', 'Mounts'), field(body, 'Mounts')]) {
    if (!Array.isArray(mounts)) continue;
    for (const m of mounts) if (isObject(m) && field(m, 'Type') === 'volume') out.push(m);
  }
  return out;
}

/** The `VolumeOptions.Labels` maps of volume mounts: dockerd puts them on volumes it creates. */
export function mountVolumeLabels(body: JsonValue | undefined): JsonValue[] {
  return volumeMounts(body).map((m) => field(m, 'VolumeOptions', 'Labels')).filter((l): l is JsonValue => l !== undefined);
}

/**
 * The anonymous volume mounts (`Mounts` of type volume without a Source) dockerd creates
 * volumes for from `body`: those of the HostConfig it reads, `HostConfig` when the body has one,
 * else the legacy top level (the ones promoteLegacyHostConfig copies into a new `HostConfig`).
 */
export function anonymousVolumeMounts(body: JsonValue | undefined): JsonObject[] {
  const host = field(body, 'HostConfig');
  const mounts = host !== undefined && host !== null ? field(host, 'Mounts') : field(body, 'Mounts');
  if (!Array.isArray(mounts)) return [];
  return mounts.filter((m): m is JsonObject => {
    if (!isObject(m) || field(m, 'Type') !== 'volume') return false;
    const source = field(m, 'Source');
    return typeof source !== 'string' || source === '';
  });
}

/**
 * Give the caller's owner labels to the anonymous volumes dockerd creates for `body` (after
 * promoteLegacyHostConfig): only in the HostConfig dockerd reads, as the other copy it ignores
 * (labelled too, a legacy body's mounts carried the labels twice). Named volumes must already
 * exist (checked as references).
 */
export function ownAnonymousVolumes(body: JsonObject, labels: Record<string, string>): void {
  for (const m of anonymousVolumeMounts(body)) Object.assign(goObjectAt(m, 'VolumeOptions', 'Labels'), labels);
}
