/**
 * Visibility: lists, `system/df`, `events` and prunes narrowed to what the caller may see.
 * A single label filter is added when one label selects exactly the visible set (dockerd ANDs
 * it with the client's filters); otherwise the gateway fetches the list and filters it.
 * Containers are always fetched and filtered: a label filter also selects the classic
 * builder's `RUN` containers, which carry whatever labels their image has (container-seal.ts);
 * their `limit` is then the gateway's to apply (list-limit.ts). An image list never has dockerd
 * compute `SharedSize` (shared-size.ts): its `shared-size` parameter is dropped on both paths.
 */
import type { ObjectKind } from '../policy/tenancy-schema.js';
import { visibilityLabel, visibleTo } from './access.js';
import { formBodyReplacement, tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, respondJson, type TenancyVerdict } from './hook.js';
import { addLabelFilter, FilterError } from './filters.js';
import { OWNER_LABEL, TEAM_LABEL } from './labels.js';
import { daemonAnswer } from './daemon-answer.js';
import { describeContainers, describeObject } from './resolve.js';
import { CREATED_LABEL } from './container-seal.js';
import type { ResolvedObject } from './access.js';
import { countVisibleContainers } from './df-counts.js';
import { rebuildTarget } from './target.js';
import { listLimit, UNLIMITED_QUERY } from './list-limit.js';
import { getList } from './daemon-client.js';
import { visibleSelect } from './visibility.js';
import { SHARED_SIZE_QUERY, withoutSharedSize } from './shared-size.js';
import { positionFilterRefusal } from './position-filters.js';

/** Query parameters a list of `object` is sent without (undefined removes them: target.ts). */
function droppedQuery(object: ObjectKind | 'df'): Record<string, undefined> {
  return object === 'images' ? { [SHARED_SIZE_QUERY]: undefined } : {};
}

function withLabel(ctx: TenancyContext, labels: readonly [string, ...string[]], dropped: Record<string, undefined> = {}): TenancyVerdict {
  let filters: string | undefined = ctx.req.facts.query.filters;
  try {
    for (const label of labels) filters = addLabelFilter(filters, label);
  } catch (err) {
    return deny(400, 'bad-filters', tenancyMessage(ctx, (err as FilterError).message));
  }
  const v = forward({ target: rebuildTarget(ctx.req.facts, { query: { ...dropped, filters } }) });
  const replacement = formBodyReplacement(ctx);
  if (replacement) v.body = replacement;
  return v;
}

function ownLabel(ctx: TenancyContext): string {
  return `${OWNER_LABEL}=${ctx.tenant.name}`;
}

/**
 * Prunes remove only the caller's own objects. Images also need the caller's team label
 * (`dockgate.team=` without a team: the gateway writes it empty), as `accessTo` needs it for
 * `rmi`: an image of the caller's with another team's label is not theirs to remove.
 * Containers also need a `dockgate.created` label (container-seal.ts): ones made before the
 * gateway set it have no owner. A label filter cannot compare it with the image's, so a
 * stopped classic-build container whose image carries both labels is still pruned (docs/sharing.md, Known limits).
 */
export function pruneOperation(ctx: TenancyContext, object: ObjectKind): TenancyVerdict {
  if (object === 'images') return withLabel(ctx, [ownLabel(ctx), `${TEAM_LABEL}=${ctx.tenant.team ?? ''}`]);
  if (object === 'containers') return withLabel(ctx, [ownLabel(ctx), CREATED_LABEL]);
  return withLabel(ctx, [ownLabel(ctx)]);
}

/** The items of a list of `kind`, each with the ownership the gateway reads (containers: with their image's labels). */
async function describeAll(ctx: TenancyContext, kind: ObjectKind, list: readonly Record<string, unknown>[]): Promise<ResolvedObject[]> {
  return kind === 'containers' ? describeContainers(ctx.daemon, list) : list.map((d) => describeObject(kind, d));
}

/** The items of `list` the caller may see. */
async function visibleItems(ctx: TenancyContext, kind: ObjectKind, list: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const described = await describeAll(ctx, kind, list);
  return list.filter((_d, i) => visibleTo(ctx.spec, ctx.tenant, described[i] as ResolvedObject));
}

function items(kind: ObjectKind, json: unknown): Record<string, unknown>[] | undefined {
  const list = kind === 'volumes' ? (json as { Volumes?: unknown } | undefined)?.Volumes : json;
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : undefined;
}

/** Handle a list of `object`. */
export async function listOperation(ctx: TenancyContext, object: ObjectKind | 'df' | 'events'): Promise<TenancyVerdict> {
  const { spec, tenant } = ctx;
  if (object === 'events') {
    // Only events that carry the object's labels (containers, images) can match: others are hidden.
    return withLabel(ctx, [tenant.team !== undefined ? `dockgate.team=${tenant.team}` : ownLabel(ctx)]);
  }
  // `since` / `before` naming another tenant's container or image would cut the list at its place.
  if (object === 'containers' || object === 'images') {
    const refused = await positionFilterRefusal(ctx, object);
    if (refused) return refused;
  }
  // A container list's limit counts only what the caller may see: applied here (list-limit.ts).
  const limit = object === 'containers' ? listLimit(ctx.req.facts.query.limit) : undefined;
  const listQuery = { ...(limit === undefined ? {} : UNLIMITED_QUERY), ...droppedQuery(object) };
  let target = rebuildTarget(ctx.req.facts, { query: { ...listQuery } });
  if (object !== 'df') {
    const label = visibilityLabel(spec, tenant, object);
    if (label !== undefined && object !== 'containers') return withLabel(ctx, [label], droppedQuery(object));
    if (label !== undefined) {
      // The label narrows what the daemon sends; what it selects is then checked one by one.
      try {
        target = rebuildTarget(ctx.req.facts, { query: { ...listQuery, filters: addLabelFilter(ctx.req.facts.query.filters, label) } });
      } catch (err) {
        return deny(400, 'bad-filters', tenancyMessage(ctx, (err as FilterError).message));
      }
    }
  }
  // Fetch what the client asked for (its own filters included) and keep what it may see.
  // Read item by item, holding only what the caller may see (visibility.ts, rev-dos F1).
  const answer = await getList(ctx.daemon, target, visibleSelect(spec, tenant, object));
  if (answer.status !== 200) return daemonAnswer(answer);
  if (object === 'df') {
    const doc = { ...(answer.json as Record<string, unknown>) };
    for (const [key, kind] of [['Containers', 'containers'], ['Volumes', 'volumes'], ['Images', 'images']] as const) {
      const list = doc[key];
      if (Array.isArray(list)) doc[key] = await visibleItems(ctx, kind, list as Record<string, unknown>[]);
    }
    // Build cache records carry no owner.
    if (Array.isArray(doc.BuildCache)) doc.BuildCache = [];
    countVisibleContainers(doc);
    return respondJson(200, doc);
  }
  const list = items(object, answer.json);
  if (!list) return daemonAnswer(answer);
  const found = await visibleItems(ctx, object, list);
  // dockerd was not asked for SharedSize; a daemon that computed it anyway is not believed.
  const visible = object === 'images' ? found.map(withoutSharedSize) : found;
  if (limit !== undefined) return respondJson(200, visible.slice(0, limit));
  if (object === 'volumes') return respondJson(200, { ...(answer.json as Record<string, unknown>), Volumes: visible });
  return respondJson(200, visible);
}
