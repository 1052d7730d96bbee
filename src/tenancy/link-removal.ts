/**
 * `docker rm --link <parent>/<alias>` (`DELETE /containers/<parent>/<alias>?link=1`): dockerd
 * removes the link from the parent and leaves the linked container alone. It finds the parent
 * by its exact name (never an ID prefix), so the request cannot be pinned to an ID: the parent
 * is resolved, must be exactly that name and the caller's to modify, and the request goes on
 * unchanged.
 */
import { goBoolValue } from '../facts/query.js';
import { accessTo } from './access.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { resolveObject } from './resolve.js';

/** The parent's name (with its leading `/`) of a link name, as dockerd's rmLink splits it; undefined for a plain name. */
export function linkParent(name: string): string | undefined {
  const full = name.startsWith('/') ? name : `/${name}`;
  const cut = full.lastIndexOf('/');
  // `/name`: the container's own name, which dockerd refuses to unlink.
  return cut <= 0 ? undefined : full.slice(0, cut);
}

/**
 * The verdict for a ContainerDelete when it removes a link; undefined when it deletes a
 * container (the ordinary per-object path then resolves, checks and pins it).
 */
export async function linkRemoval(ctx: TenancyContext, name: string): Promise<TenancyVerdict | undefined> {
  const link = goBoolValue(ctx.req.facts.query.link);
  if (link === undefined) return deny(400, 'bad-query', tenancyMessage(ctx, 'the value of "link" is not one the gateway reads as dockerd does'));
  if (!link) return undefined;
  const parent = linkParent(name);
  // dockerd answers a plain name with a conflict and removes nothing; the ordinary path pins it.
  if (parent === undefined) return undefined;
  const r = await resolveObject(ctx.daemon, 'containers', parent.slice(1));
  // A parent that is not a container by exactly this name (an ID prefix, a nested link name)
  // is not one dockerd's look-up by name would find the same way.
  if ('answer' in r || r.found.raw.Name !== parent) {
    return deny(403, 'not-owner', tenancyMessage(ctx, `link "${name}": no container named "${parent.slice(1)}" of yours to remove it from`));
  }
  if (accessTo(ctx.spec, ctx.tenant, r.found, 'modify') === 'none') {
    return deny(403, 'not-owner', tenancyMessage(ctx, `link "${name}" belongs to container "${parent.slice(1)}" of another tenant`));
  }
  return forward();
}
