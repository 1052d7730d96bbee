/**
 * The tags an operation writes (build `t`, pull, import, commit, tag), reserved for the whole
 * exchange once its checks let it through, and checked again then (tag-reservations.ts): a
 * tag-over check that found the tag free or the caller's then still holds when dockerd writes it.
 */
import type { RequestFacts } from '../core/types.js';
import { formatReference, normalizeReference } from '../policy/guards/image-reference.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';
import { shownTagReference, tagReference } from './image-set.js';
import { tagOver } from './object-ops.js';
import type { TagReservations } from './tag-reservations.js';

/** `repo` and `tag` of each tag the operation writes, as dockerd reads them. */
function written(facts: RequestFacts): [string | undefined, string | undefined][] {
  const { query } = facts;
  switch (facts.operation?.name) {
    case 'ImageBuild':
      return (facts.queryAll.t ?? []).map((t) => [t, undefined]);
    case 'ImageCreate':
      // dockerd pulls when fromImage is non-empty, and imports into `repo` otherwise.
      return [[query.fromImage ? query.fromImage : query.repo, query.tag]];
    case 'ImageCommit':
    case 'ImageTag':
      return [[query.repo, query.tag]];
    default:
      return [];
  }
}

/**
 * The tags the request writes: normalised reference (`docker.io/library/app:1`, so `app:1`
 * and `library/app:1` are one) to the tag as a refusal shows it (URL credentials masked, as
 * tagOver masks them: the reason is audited).
 */
export function writtenTags(facts: RequestFacts): Map<string, string> {
  const tags = new Map<string, string>();
  for (const [repo, tag] of written(facts)) {
    const ref = tagReference(repo, tag);
    if (ref === undefined) continue;
    const parsed = normalizeReference(ref);
    const key = parsed ? formatReference(parsed) : ref;
    if (!tags.has(key)) tags.set(key, shownTagReference(repo, tag));
  }
  return tags;
}

/**
 * The tag-over checks of the tags the request writes, made again once they are reserved: a tag
 * another tenant wrote between the first check and the reservation (a commit or a tag, whose
 * reservation ends when the daemon has answered) is seen. Undefined when all still pass.
 */
async function checkedAgain(ctx: TenancyContext): Promise<TenancyVerdict | undefined> {
  const { facts } = ctx.req;
  // A pull's images carry no owner: its tag is checked as a pull checks it.
  const owned = !(facts.operation?.name === 'ImageCreate' && facts.query.fromImage);
  for (const [repo, tag] of written(facts)) {
    const over = await tagOver(ctx, repo, tag, owned);
    if (over) return over;
  }
  return undefined;
}

/**
 * Run `admit`, then reserve the tags the request writes: refused (409) while another tenant's
 * operation holds one, and checked again once held. Only a request its checks let through
 * reserves anything (reserved before the checks, a stream of requests refused for naming
 * another tenant's tag kept that tag reserved, and its owner refused). A forward verdict
 * carries the release (called when the exchange ends); any other outcome releases at once.
 */
export async function withTagsReserved(ctx: TenancyContext, reservations: TagReservations, admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  const tags = writtenTags(ctx.req.facts);
  if (tags.size === 0) return admit();
  const verdict = await admit();
  if (verdict.kind !== 'forward') return verdict;
  const { tenant } = ctx;
  const holder = { tenant: tenant.name, operation: ctx.req.facts.operation?.name ?? ctx.req.method, ...(tenant.team !== undefined ? { team: tenant.team } : {}) };
  const reservation = reservations.reserve(tags, holder);
  if ('conflict' in reservation) {
    verdict.release?.();
    const { tag, holder: other } = reservation.conflict;
    return deny(409, 'tag-reserved', tenancyMessage(ctx, `tag "${tag}" is reserved by another tenant's ${other.operation} still in progress, which writes it when it ends: try again once it has ended, or use another tag`));
  }
  let again: TenancyVerdict | undefined;
  try {
    again = await checkedAgain(ctx);
  } catch (err) {
    reservation.release();
    verdict.release?.();
    throw err;
  }
  if (again) {
    reservation.release();
    verdict.release?.();
    return again;
  }
  const inner = verdict.release;
  verdict.release = () => {
    inner?.();
    reservation.release();
  };
  return verdict;
}
