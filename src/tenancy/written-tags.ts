/**
 * The tags an operation writes (build `t`, pull, import, commit, tag), reserved with their
 * repositories for the whole exchange once its checks let it through, and checked again then
 * (tag-reservations.ts): a tag-over check that found the tag free or the caller's, and its
 * repository free of other tenants' images, then still holds when dockerd writes it.
 */
import type { RequestFacts } from '../core/types.js';
import { formatReference, normalizeReference } from '../policy/guards/image-reference.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';
import { referenceParts } from '../policy/guards/image-reference.js';
import { digestReference, shownDigestReference, shownTagReference, tagReference } from './image-set.js';
import { tagOver } from './tag-over.js';
import type { Conflict, TagHolder, TagReservations } from './tag-reservations.js';

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
 * The digest references a pull by digest adds (digestReference; it moves no tag), normalised
 * (`docker.io/library/app@sha256:…`) to the reference as a refusal shows it: their
 * repositories are reserved as a tag's are, so an owned write into the same new repository
 * waits for it as for a pull by tag.
 */
export function writtenDigests(facts: RequestFacts): Map<string, string> {
  const digests = new Map<string, string>();
  if (!isPull(facts)) return digests;
  for (const [repo, tag] of written(facts)) {
    if (tagReference(repo, tag) !== undefined) continue;
    const ref = digestReference(repo, tag);
    if (ref === undefined) continue;
    const parsed = normalizeReference(ref, false);
    const key = parsed ? formatReference(parsed) : ref;
    if (!digests.has(key)) digests.set(key, shownDigestReference(repo, tag));
  }
  return digests;
}

/** A pull (dockerd pulls when fromImage is non-empty): the images it writes carry no owner. */
function isPull(facts: RequestFacts): boolean {
  return facts.operation?.name === 'ImageCreate' && !!facts.query.fromImage;
}

/**
 * The refusal of a reservation another operation stops (another tenant's: sharers never stop
 * each other, tag-reservations.ts). Between a pull and an owned write a retry would be refused
 * too (a pull may not join another tenant's repository, nor an owned tag a repository of
 * pulled images only): then only another repository is advised.
 */
function conflictMessage(ctx: TenancyContext, conflict: Conflict, pull: boolean): string {
  const { holder } = conflict;
  const whose = holder.tenant === ctx.tenant.name ? 'your' : holder.team !== undefined && holder.team === ctx.tenant.team ? "your team's" : "another tenant's";
  // The holder's request id lets an admin find it (the audit log, once its exchange has ended).
  const by = `${whose} ${holder.operation} still in progress${holder.requestId !== undefined ? ` (request ${holder.requestId})` : ''}`;
  if (conflict.tag !== undefined) return `tag "${conflict.tag}" is reserved by ${by}, which writes it when it ends: try again once it has ended, or use another tag`;
  if ((holder.ownerless === true) !== pull) return `repository "${conflict.repository}" is being written into by ${by}, and pulled images may not share a repository with another tenant's images: use another repository`;
  return `repository "${conflict.repository}" is being written into by ${by}, and a repository may not hold two tenants' images: try again once it has ended, or use another repository`;
}

/**
 * The repositories of `tags` (writtenTags) and `digests` (writtenDigests): repository name as
 * strangerInRepository compares it (`docker.io/library/app`) to the name as a refusal shows
 * it (the shown reference without its tag or digest).
 */
export function writtenRepositories(tags: ReadonlyMap<string, string>, digests: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const repositories = new Map<string, string>();
  for (const [key, shown] of [...tags, ...digests]) {
    const name = normalizeReference(key, false)?.name ?? key;
    // `app:1` and `app@sha256:…` show as `app`; `localhost:5000/app` stays (its colon is the port's).
    if (!repositories.has(name)) repositories.set(name, referenceParts(shown).name);
  }
  return repositories;
}

/**
 * The tag-over checks of the tags the request writes, made again once they are reserved: a tag
 * another tenant wrote between the first check and the reservation (a commit or a tag, whose
 * reservation ends when the daemon has answered) is seen. Undefined when all still pass.
 */
async function checkedAgain(ctx: TenancyContext): Promise<TenancyVerdict | undefined> {
  const { facts } = ctx.req;
  // A pull's images carry no owner: its tag is checked as a pull checks it.
  const owned = !isPull(facts);
  for (const [repo, tag] of written(facts)) {
    const over = await tagOver(ctx, repo, tag, owned);
    if (over) return over;
  }
  return undefined;
}

/**
 * Run `admit`, then reserve the tags the request writes and their repositories: refused (409)
 * while another tenant's operation holds one of the tags or writes into one of the
 * repositories (unless both are pulls), and checked again once held: another tenant's write
 * into the repository is then either still in flight (refused here) or on the daemon, where
 * the check's repository look-up sees it. Only a request its checks let through
 * reserves anything (reserved before the checks, a stream of requests refused for naming
 * another tenant's tag kept that tag reserved, and its owner refused). A forward verdict
 * carries the release (called when the exchange ends); any other outcome releases at once.
 */
export async function withTagsReserved(ctx: TenancyContext, reservations: TagReservations, admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  const tags = writtenTags(ctx.req.facts);
  const digests = writtenDigests(ctx.req.facts);
  if (tags.size === 0 && digests.size === 0) return admit();
  const verdict = await admit();
  if (verdict.kind !== 'forward') return verdict;
  const { tenant } = ctx;
  const holder: TagHolder = { tenant: tenant.name, operation: ctx.req.facts.operation?.name ?? ctx.req.method, ...(tenant.team !== undefined ? { team: tenant.team } : {}), ...(isPull(ctx.req.facts) ? { ownerless: true } : {}), ...(ctx.req.requestId !== undefined ? { requestId: ctx.req.requestId } : {}) };
  const reservation = reservations.reserve(tags, holder, writtenRepositories(tags, digests));
  if ('conflict' in reservation) {
    verdict.release?.();
    return deny(409, 'tag-reserved', tenancyMessage(ctx, conflictMessage(ctx, reservation.conflict, isPull(ctx.req.facts))));
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
