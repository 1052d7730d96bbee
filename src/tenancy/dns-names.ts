/**
 * The DNS names a container gets on a network others use too (shared, unowned, predefined):
 * dockerd 20.10's embedded DNS answers a name with every endpoint that has it, so a tenant's
 * container must not take names other containers answer to there. Besides aliases and links
 * (refused on such networks, references.ts), a container answers to:
 * - its `Config.Hostname`: dockerd adds it to the endpoint's aliases on every user-defined
 *   network the container joins (create and network connect);
 * - its name, which the DNS compares without case (dockerd's names are case-sensitive: `web1`
 *   and `WEB1` can both exist, and both answer `web1`);
 * - its name as a whole, dots included: the DNS answers the exact name before it strips a
 *   trailing `.<network>`, so a container named `web1.shared` takes every answer for
 *   `web1.shared`, another container's full name on the network `shared`.
 * - its name, ignoring case, where another container has it as an alias (network-aliases.ts).
 * The pure parts are here; `dnsNameRefusal` and `hostnameRefusal` are the checks.
 */
import { getList } from './daemon-client.js';
import { containerSummaries } from './list-items.js';
import type { JsonValue } from '../core/types.js';
import { asciiLower } from '../facts/ascii-lower.js';
import { field, isObject } from '../facts/go-fold.js';
import { accessTo } from './access.js';
import { isPredefinedNetwork, PREDEFINED_NETWORKS } from './create-body.js';
import { resolveObject } from './resolve.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';
import { idLikeName, SHORT_ID_LENGTH } from './id-like-name.js';
import type { JoinedNetwork } from './network-aliases.js';

/** dockerd's validContainerNamePattern: names it accepts for create and rename. */
const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A container's `Config.Hostname` in a create body (top level), when it is a non-empty string. */
export function createHostname(body: JsonValue | undefined): string | undefined {
  const v = field(body, 'Hostname');
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Whether a hostname gives the container no DNS name beyond its short ID: empty (dockerd then
 * sets the short ID), or, once the container exists, its own short ID. Not even its own name:
 * the alias stays when the container is renamed, and the name is then free for another
 * container, whose DNS answers the renamed one would share. `id`: the full ID, or undefined at
 * create.
 */
export function ownHostname(hostname: string | undefined, id?: string): boolean {
  if (hostname === undefined || hostname === '') return true;
  return id !== undefined && hostname === id.slice(0, SHORT_ID_LENGTH);
}

/** Go's regexp.QuoteMeta: `s` with every regexp metacharacter escaped. */
export function goQuoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * The `filters` of a container list that finds every container whose name equals `name`
 * ignoring case (dockerd's `name` filter is a Go regexp over the names with their leading `/`;
 * `(?i)` makes it case-insensitive). Undefined for a name dockerd refuses anyway: a regexp
 * dockerd cannot compile matches nothing, silently, so none is built from such a name.
 */
export function caseFoldNameFilter(name: string): string | undefined {
  if (!VALID_NAME.test(name)) return undefined;
  const bare = name.replace(/^\//, '');
  return JSON.stringify({ name: [`(?i)^/${goQuoteMeta(bare)}$`] });
}

/**
 * From a container list's items, the first name (without `/`) that equals `name` ignoring
 * ASCII case but not exactly (dockerd's own conflict answers exact equality), of a container
 * other than `self` (its full ID). Link names (`/parent/alias`) are no container names.
 */
export function caseTwin(items: readonly unknown[], name: string, self?: string): string | undefined {
  const want = asciiLower(name);
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const { Id, Names } = item as { Id?: unknown; Names?: unknown };
    if (self !== undefined && Id === self) continue;
    for (const n of Array.isArray(Names) ? Names : []) {
      if (typeof n !== 'string' || n.indexOf('/', 1) !== -1) continue;
      const bare = n.replace(/^\//, '');
      if (bare !== name && asciiLower(bare) === want) return bare;
    }
  }
  return undefined;
}

/** The `network-name` refusal of container name `name` on `network`, saying `why`. */
export function nameRefused(ctx: TenancyContext, name: string, network: string, why: string): TenancyVerdict {
  return deny(403, 'network-name', tenancyMessage(ctx, `container name "${name}" on network "${network}" is not allowed: ${why}; other tenants use that network, and its DNS would answer them with your container (such names are allowed on your own or your team's networks)`));
}

/**
 * Refuse `name` (a container's name, bare or with its leading `/`) for a container on
 * `network`, one the caller may not change: a name with a dot, one equal ignoring case to
 * another container's name, or one with upper-case letters that reads as an ID in DNS
 * (idLikeName with `anyCase`). `self`: the
 * container's full ID when it exists (rename, connect). A failed list look-up throws (the request is refused, 502).
 */
export async function dnsNameRefusal(ctx: TenancyContext, name: string, network: string, self?: string): Promise<TenancyVerdict | undefined> {
  const bare = name.replace(/^\//, '');
  if (bare === '') return undefined;
  if (bare.includes('.')) return nameRefused(ctx, bare, network, 'it holds a dot, and the DNS answers a whole dotted name (say "web1.shared", another container\'s full name there) before any container\'s name');
  // Lower-case hex names were checked when given (create, rename: idLikeName); in another case
  // they read as an ID in DNS only.
  const idLike = bare === bare.toLowerCase() ? undefined : await idLikeName(ctx, 'containers', bare, true, self);
  if (idLike) return idLike;
  const filters = caseFoldNameFilter(name);
  if (filters === undefined) return undefined; // dockerd refuses the name itself
  const answer = await getList(ctx.daemon, `/containers/json?all=1&filters=${encodeURIComponent(filters)}`, containerSummaries);
  // Fail closed, as every look-up of the gateway's does: the request is refused (502).
  if (answer.status !== 200 || !Array.isArray(answer.json)) throw new Error(`daemon answered ${answer.status} when listing containers named like "${bare}"`);
  const twin = caseTwin(answer.json, bare, self);
  return twin === undefined ? undefined : nameRefused(ctx, bare, network, `it differs only in case from container "${twin}", and DNS names ignore case`);
}

/**
 * Refuse a container's hostname on `network`, one the caller may not change, unless it is its
 * own (ownHostname): dockerd makes it an alias of the container there.
 */
export function hostnameRefusal(ctx: TenancyContext, hostname: string | undefined, network: string, id?: string): TenancyVerdict | undefined {
  if (ownHostname(hostname, id)) return undefined;
  return deny(403, 'network-alias', tenancyMessage(ctx, `hostname "${hostname ?? ''}" on network "${network}" is not allowed: dockerd makes a container's hostname an alias on each user network it joins (and keeps it when the container is renamed), other tenants use this one, and an alias can take another container's name; leave the hostname unset (dockerd then uses the container's short ID)`));
}

/**
 * Every network a container (its inspect answer, `raw`) is attached to that the caller may not
 * change, other than a predefined one (the default bridge serves no DNS names): where a rename
 * would change its DNS name for others. Each with its name (the endpoint's key) and full ID. A
 * network it names only by name that cannot be looked up (other than a predefined one) throws
 * (the request is refused, 502).
 */
export async function othersNetworksOf(ctx: TenancyContext, raw: Record<string, unknown>): Promise<JoinedNetwork[]> {
  const networks = field(raw.NetworkSettings as JsonValue, 'Networks');
  if (!isObject(networks)) return [];
  const found: JoinedNetwork[] = [];
  for (const [name, endpoint] of Object.entries(networks)) {
    const id = field(endpoint, 'NetworkID');
    const byId = typeof id === 'string' && id !== '';
    const r = await resolveObject(ctx.daemon, 'networks', byId ? id : name);
    // A daemon without a default bridge (`--bridge=none`) still names it for a container
    // created on it; a missing predefined network serves no names. Nor does a removed network
    // the endpoint names by ID: dockerd does not join a new network of that name in its place
    // (the start fails, "network ... not found").
    if ('answer' in r && r.answer.status === 404 && (PREDEFINED_NETWORKS.has(name) || byId)) continue;
    if ('answer' in r) throw new Error(`daemon answered ${r.answer.status} when looking up network "${name}" of a container`);
    if (isPredefinedNetwork(r.found)) continue;
    if (accessTo(ctx.spec, ctx.tenant, r.found, 'modify') === 'none') found.push({ name: r.found.names[0] || name, id: r.found.id });
  }
  return found;
}
