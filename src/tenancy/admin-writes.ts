/**
 * Tenancy admins bypass tenancy, but for one check on the tags they write: a write may not
 * mix a repository's images, as tenants' writes may not. In a repository that holds a
 * tenant's image, that tenant's team may re-point and remove the tags without an owner
 * (docs/sharing.md, Tags, rules 2 and 4: its pulls, or what the classic builder's `FROM` pull
 * put there). So (found by the revown and revlast reviews):
 * - an admin's image without an owner may not go into a repository holding a tenant's image:
 *   a tenant who wrote first into `shared/base` re-pointed and removed the admin's
 *   `shared/base:1`, pulled after it, which every tenant runs;
 * - an admin's image with an owner may not go into a repository holding images without an
 *   owner, or another team's (or another owner's), unless it already holds that team's: the
 *   admin's `docker tag` of alice's image into the shared repository it pre-pulled handed
 *   that repository, and its shared tags, to team web.
 * A pull or an import writes an image without an owner (a pulled image carrying owner labels
 * is not known before it arrives: docs/sharing.md, Known limits); a tag, the image it names; a
 * build, the owner its `labels` give, if any (the Dockerfile and the base image are not read);
 * a commit, the container's labels, unless its `changes` or body may set labels (then taken
 * as having none: checked as rule 6 wants).
 */
import type { JsonValue } from '../core/types.js';
import { field } from '../facts/go-fold.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { repositoryImages } from './image-set.js';
import { ownershipOf, type Ownership } from './labels.js';
import { resolveObject } from './resolve.js';
import { writtenDigests, writtenRepositories, writtenTags } from './written-tags.js';

/** The ownership of the image an admin's write puts under its tags (none: `{}`). */
async function writtenOwnership(ctx: TenancyContext): Promise<Ownership> {
  const { facts } = ctx.req;
  switch (facts.operation?.name) {
    case 'ImageTag': {
      const source = await resolveObject(ctx.daemon, 'images', facts.params.name ?? '');
      return 'found' in source ? source.found.ownership : {};
    }
    case 'ImageCommit': {
      // `changes` (a LABEL) or the body's labels may set or clear the owner: taken as none.
      const labels = field(facts.body, 'Labels');
      if ((facts.queryAll.changes ?? []).length > 0 || (labels !== undefined && labels !== null)) return {};
      const container = await resolveObject(ctx.daemon, 'containers', facts.query.container ?? '');
      return 'found' in container ? container.found.ownership : {};
    }
    case 'ImageBuild': {
      try {
        return ownershipOf(JSON.parse(facts.query.labels ?? '{}') as JsonValue);
      } catch {
        return {};
      }
    }
    default:
      return {};
  }
}

/** Who an image with an owner is for: its team, or its owner when it has no team. */
function party(o: Ownership): string {
  return o.team !== undefined ? `team "${o.team}"` : `owner "${o.owner ?? ''}"`;
}

/** The verdict on an admin's request: forwarded, unless a tag it writes would mix its repository's images. */
export async function adminWrite(ctx: TenancyContext): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const repositories = writtenRepositories(writtenTags(facts), writtenDigests(facts));
  if (repositories.size === 0) return forward();
  const written = await writtenOwnership(ctx);
  const op = facts.operation?.name ?? 'this write';
  for (const [repository, shown] of repositories) {
    const named = await repositoryImages(ctx.daemon, repository);
    if ('answer' in named) return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns repository "${shown}" (the daemon answered ${named.answer.status})`));
    if (written.owner === undefined) {
      const tenants = named.images.find((i) => i.found.ownership.owner !== undefined);
      if (tenants) {
        return deny(403, 'not-owner', tenancyMessage(ctx, `${op} would put an image without an owner into repository "${shown}", which holds a tenant's image (${maskUrlCredentials(tenants.ref)}): there that tenant's team could re-point and remove it; write it under another repository name, or remove the tenant's images from the repository first`));
      }
      continue;
    }
    const mine = party(written);
    if (named.images.some((i) => i.found.ownership.owner !== undefined && party(i.found.ownership) === mine)) continue;
    const other = named.images.find((i) => i.found.ownership.owner === undefined || party(i.found.ownership) !== mine);
    if (other) {
      const holds = other.found.ownership.owner === undefined ? 'an image without an owner' : `another team's image`;
      return deny(403, 'not-owner', tenancyMessage(ctx, `${op} would put an image of ${mine} into repository "${shown}", which holds ${holds} (${maskUrlCredentials(other.ref)}) and none of that ${written.team !== undefined ? 'team' : 'owner'}'s: the repository would become theirs, and its tags without an owner theirs to re-point and remove; write it under another repository name`));
    }
  }
  return forward();
}
