/**
 * The tags an operation writes (build `t`, pull, import, commit, tag), reserved for the whole
 * exchange before any of its checks run (tag-reservations.ts): a tag-over check that found the
 * tag free or the caller's then still holds when dockerd writes it.
 */
import type { RequestFacts } from '../core/types.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { formatReference, normalizeReference } from '../policy/guards/image-reference.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';
import { tagReference } from './image-set.js';
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
    if (!tags.has(key)) tags.set(key, tagReference(maskUrlCredentials(repo ?? ''), tag === undefined ? undefined : maskUrlCredentials(tag)) ?? '');
  }
  return tags;
}

/**
 * Run `admit` with the request's tags reserved: refused (409) while another tenant's operation
 * holds one; otherwise a forward verdict carries the release (called when the exchange ends),
 * and any other outcome (a refusal, an answer, a failed look-up) releases at once.
 */
export async function withTagsReserved(ctx: TenancyContext, reservations: TagReservations, admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  const tags = writtenTags(ctx.req.facts);
  if (tags.size === 0) return admit();
  const { tenant } = ctx;
  const holder = { tenant: tenant.name, operation: ctx.req.facts.operation?.name ?? ctx.req.method, ...(tenant.team !== undefined ? { team: tenant.team } : {}) };
  const reservation = reservations.reserve(tags, holder);
  if ('conflict' in reservation) {
    const { tag, holder: other } = reservation.conflict;
    return deny(409, 'tag-reserved', tenancyMessage(ctx, `tag "${tag}" is reserved by another tenant's ${other.operation} still in progress, which writes it when it ends: try again once it has ended, or use another tag`));
  }
  let verdict: TenancyVerdict;
  try {
    verdict = await admit();
  } catch (err) {
    reservation.release();
    throw err;
  }
  if (verdict.kind !== 'forward') {
    reservation.release();
    return verdict;
  }
  const inner = verdict.release;
  verdict.release = () => {
    inner?.();
    reservation.release();
  };
  return verdict;
}
