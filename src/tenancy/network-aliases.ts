/**
 * Other containers' aliases on a network the caller may not change (shared, unowned,
 * predefined other than the default bridge). dockerd 20.10's embedded DNS answers a name with
 * every running endpoint that has it as its container's name or as one of its aliases, ignoring
 * case; a tenant's container named exactly like an admin's alias (`db`, a compose service's
 * name) would share its answers, and get all of them while the aliased container is stopped or
 * being recreated (a stopped container's aliases are not answered, and are again once it runs).
 * So on such a network a tenant's container name (create, rename, network connect) must not
 * equal, ignoring case (as Go folds it: go-lower.ts), any DNS name another container attached there has or will have
 * when it runs: its endpoint's `Aliases` (the create's `EndpointsConfig` until it first
 * starts; compose puts the service name there), its `Config.Hostname` and its short ID (both
 * added by dockerd at each start on a user network).
 *
 * Container lists carry no aliases (dockerd's list view drops them), so the look-up is two
 * lists, one with a `network` filter (the network's name and ID: a container created but never
 * started names it only by its endpoint's key) and one of the containers created and never
 * started (whose endpoint key may be a prefix of the network's ID, as `docker create --network
 * <prefix>` leaves it: no `network` filter finds that; only those whose list entry has an
 * endpoint that may be on the network are kept), and one inspect per container they find,
 * other than the caller's own: 2 + N daemon calls for N such containers, MAX_PARALLEL at a
 * time. A failed list or inspect throws (the request is refused, 502); a container removed
 * between the two is skipped.
 */
import { getList } from './daemon-client.js';
import { containerSummaries } from './list-items.js';
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { goLower } from '../facts/go-lower.js';
import type { TenancyContext } from './context.js';
import type { TenancyVerdict } from './hook.js';
import { SHORT_ID_LENGTH } from './id-like-name.js';
import { nameRefused } from './dns-names.js';

/** A network a container joins, as the alias check needs it: its name and full ID. */
export interface JoinedNetwork {
  name: string;
  id: string;
}

/** A DNS name of another container that a container name would share, and where. */
export interface AliasClash {
  alias: string;
  network: string;
}

/** Inspects run at once at most. */
const MAX_PARALLEL = 8;

/** The `filters` of a container list of the containers created and never started. */
const CREATED_FILTER = JSON.stringify({ status: ['created'] });

/** The `filters` of a container list that finds every container (all=1) attached to one of `networks`. */
export function networkFilter(networks: readonly JoinedNetwork[]): string {
  const values = new Set(networks.flatMap((n) => [n.name, n.id].filter((v) => v !== '')));
  return JSON.stringify({ network: [...values] });
}

/**
 * Whether an endpoint (its key in `NetworkSettings.Networks` and its `NetworkID`) is on
 * `network`, as dockerd finds the network when the container starts: by its `NetworkID` when
 * it has one, else by its key; either as the full ID, the name or a prefix of the ID (a create
 * keeps what it was sent, `docker create --network <prefix>` or an `EndpointsConfig` whose
 * `NetworkID` is a name, until the first start). An endpoint whose `NetworkID` is the full ID of
 * a network removed since (one made again under its name) matches nothing: dockerd cannot start
 * it there. A reference that is another network's name and a prefix of this one's ID counts
 * here too (fails closed).
 */
function onNetwork(key: string, networkId: unknown, network: JoinedNetwork): boolean {
  const ref = typeof networkId === 'string' && networkId !== '' ? networkId : key;
  if (ref === '') return false;
  return ref === network.name || (network.id !== '' && network.id.startsWith(ref));
}

/**
 * The DNS names a container (its inspect answer) has on `network` besides its name, running or
 * not: its endpoint's aliases, its hostname and its short ID. Empty when it has no endpoint
 * there (onNetwork).
 */
export function endpointDnsNames(doc: Record<string, unknown>, network: JoinedNetwork): string[] {
  const networks = field(doc.NetworkSettings as JsonValue, 'Networks');
  if (!isObject(networks)) return [];
  const names: string[] = [];
  let attached = false;
  for (const [key, endpoint] of Object.entries(networks)) {
    if (!onNetwork(key, field(endpoint, 'NetworkID'), network)) continue;
    attached = true;
    const aliases = field(endpoint, 'Aliases');
    for (const a of Array.isArray(aliases) ? aliases : []) if (typeof a === 'string' && a !== '') names.push(a);
  }
  if (!attached) return [];
  const hostname = field(doc.Config as JsonValue, 'Hostname');
  if (typeof hostname === 'string' && hostname !== '') names.push(hostname);
  if (typeof doc.Id === 'string' && doc.Id !== '') names.push(doc.Id.slice(0, SHORT_ID_LENGTH));
  return names;
}

/**
 * The first DNS name (endpointDnsNames) of a container in `docs` (inspect answers) other than
 * `self` (its full ID) on one of `networks` that equals `name` (bare or with its leading `/`)
 * ignoring case as dockerd's DNS ignores it (Go's strings.ToLower: go-lower.ts).
 */
export function aliasClash(docs: readonly Record<string, unknown>[], name: string, networks: readonly JoinedNetwork[], self?: string): AliasClash | undefined {
  const want = goLower(name.replace(/^\//, ''));
  if (want === '') return undefined;
  for (const doc of docs) {
    if (self !== undefined && doc.Id === self) continue;
    for (const network of networks) {
      const alias = endpointDnsNames(doc, network).find((a) => goLower(a) === want);
      if (alias !== undefined) return { alias, network: network.name };
    }
  }
  return undefined;
}

/** Whether a container list entry has an endpoint on one of `networks` (onNetwork), or no endpoints to tell by. */
function mayBeOn(item: Record<string, unknown>, networks: readonly JoinedNetwork[]): boolean {
  const endpoints = field(item.NetworkSettings as JsonValue, 'Networks');
  if (!isObject(endpoints)) return true;
  return Object.entries(endpoints).some(([key, endpoint]) => networks.some((n) => onNetwork(key, field(endpoint, 'NetworkID'), n)));
}

/** Inspect each container of `ids`, MAX_PARALLEL at a time; a removed one is skipped, any other failure throws. */
async function inspectAll(ctx: TenancyContext, ids: readonly string[]): Promise<Record<string, unknown>[]> {
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < ids.length; i += MAX_PARALLEL) {
    const answers = await Promise.all(ids.slice(i, i + MAX_PARALLEL).map((id) => ctx.daemon.get(`/containers/${encodeURIComponent(id)}/json`)));
    for (const answer of answers) {
      if (answer.status === 404) continue;
      // Not the container's ID: the message reaches the caller, for whom it is someone else's.
      if (answer.status !== 200 || !isObject(answer.json as JsonValue)) throw new Error(`daemon answered ${answer.status} when inspecting a container on the network for its aliases`);
      docs.push(answer.json as Record<string, unknown>);
    }
  }
  return docs;
}

/**
 * Refuse `name` for a container on `networks` (ones the caller may not change) when it equals,
 * ignoring case, a DNS name of another container there (aliasClash). `self`: the container's
 * full ID when it exists (rename, connect). Failed look-ups throw (the request is refused, 502).
 * The refusal names the alias (the caller's own name in another case), not its container.
 */
export async function aliasRefusal(ctx: TenancyContext, name: string, networks: readonly JoinedNetwork[], self?: string): Promise<TenancyVerdict | undefined> {
  const bare = name.replace(/^\//, '');
  if (bare === '' || networks.length === 0) return undefined;
  const ids = new Set<string>();
  for (const filters of [networkFilter(networks), CREATED_FILTER]) {
    const answer = await getList(ctx.daemon, `/containers/json?all=1&filters=${encodeURIComponent(filters)}`, containerSummaries);
    if (answer.status !== 200 || !Array.isArray(answer.json)) throw new Error(`daemon answered ${answer.status} when listing the containers on network "${networks[0]?.name ?? ''}"`);
    for (const item of answer.json as unknown[]) {
      if (!isObject(item as JsonValue)) continue;
      const id = (item as { Id?: unknown }).Id;
      if (typeof id !== 'string' || id === '' || id === self) continue;
      // The created ones of the whole daemon: inspected only when their list entry has an
      // endpoint on one of the networks (or none to tell by).
      if (filters === CREATED_FILTER && !mayBeOn(item as Record<string, unknown>, networks)) continue;
      ids.add(id);
    }
  }
  const clash = aliasClash(await inspectAll(ctx, [...ids]), bare, networks, self);
  if (clash === undefined) return undefined;
  return nameRefused(ctx, bare, clash.network, `it equals (DNS names ignore case) "${clash.alias}", an alias, hostname or short ID another container on that network answers to whenever it runs`);
}
