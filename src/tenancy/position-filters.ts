/**
 * The `since` and `before` filters of a container or image list name an object whose place
 * (creation order, and for images its `Created` time) cuts the list. dockerd looks each value up
 * among every object on the host: naming another tenant's container or image answered a list of
 * one's own objects cut at that object's place, so a tenant could read when someone else's
 * object was made (bracketed between their own, to any precision by making more). A value that
 * names an object the caller may not see is refused as any other reference to it is (403
 * `not-owner`: existence is not hidden, docs/sharing.md); one that names nothing is left to
 * dockerd's own answer.
 */
import type { ObjectKind } from '../policy/tenancy-schema.js';
import { visibleTo } from './access.js';
import { MAX_REFERENCES } from './container-create.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { FilterError, parseFilters } from './filters.js';
import { deny, type TenancyVerdict } from './hook.js';
import { notYours } from './ownership-refusals.js';
import { resolveObject } from './resolve.js';

/**
 * What dockerd's since/before look-up of a container (idOrNameFilter) can find for `value`, as a
 * reference inspect resolves: it takes `value` as a full ID, else compares it with every name,
 * link names (`/web/db`) included, one leading `/` cut from each side. So `/web/db` names the
 * container linked as `db` into `web`, which resolveObject's `/x` (a name only, not a link
 * name) would not find: looked up without its `/`. Undefined when nothing can match (a value
 * still starting with `/`: no name or ID does, once cut): dockerd's own error answers it.
 */
function containerFilterReference(value: string): string | undefined {
  const ref = value.startsWith('/') ? value.slice(1) : value;
  return ref.startsWith('/') ? undefined : ref;
}

/** The filters whose values name an object of the list's kind. */
const POSITION_FILTERS = ['since', 'before'] as const;

/**
 * The refusal of a `kind` list whose `since` or `before` names an object the caller may not
 * see; undefined when there is none (or the filters do not parse: the list refuses those).
 * One look-up on the daemon per value given.
 */
export async function positionFilterRefusal(ctx: TenancyContext, kind: Extract<ObjectKind, 'containers' | 'images'>): Promise<TenancyVerdict | undefined> {
  let filters;
  try {
    filters = parseFilters(ctx.req.facts.query.filters);
  } catch (err) {
    if (err instanceof FilterError) return undefined;
    throw err;
  }
  // One daemon look-up per value: not more than a create body may cost (a query of 1 500
  // one-letter values was 1 500 sequential look-ups, counted as one request).
  const given = POSITION_FILTERS.reduce((n, name) => n + Object.keys(filters[name] ?? {}).length, 0);
  if (given > MAX_REFERENCES) return deny(400, 'too-many-references', tenancyMessage(ctx, `the since and before filters name ${given} objects; at most ${MAX_REFERENCES} are checked`));
  for (const name of POSITION_FILTERS) {
    for (const value of Object.keys(filters[name] ?? {})) {
      const ref = kind === 'containers' ? containerFilterReference(value) : value;
      // dockerd finds nothing for an empty value; a look-up by it would inspect no object.
      if (ref === undefined || ref === '' || ref === '/') continue;
      const r = await resolveObject(ctx.daemon, kind, ref);
      if ('found' in r && !visibleTo(ctx.spec, ctx.tenant, r.found)) {
        return notYours(ctx, `the ${name} filter's ${kind === 'containers' ? 'container' : 'image'}`, value, r.found.ownership);
      }
    }
  }
  return undefined;
}
