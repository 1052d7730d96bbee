/**
 * Tenancy admins bypass tenancy, but for one check on the tags they write: an image without an
 * owner may not go into a repository that holds a tenant's images. In such a repository, the
 * tenant's team may re-point and remove tags without an owner (docs/sharing.md, Tags, rules 2
 * and 4: its pulls, or what the classic builder's `FROM` pull put there), so a tenant who wrote
 * first into a repository name (`carol build -t shared/base:carol`) took over the admin's
 * `shared/base:1` pulled after it, which every tenant runs: carol re-pointed it at her own
 * image, and removed the admin's next one (found by the revown review). A pull or an import
 * writes an image without an owner; a tag, the image it names; a commit, one with the
 * container's labels; a build, one with the owner label only when its `labels` give one (the
 * Dockerfile and the base image are not read: without it, taken as having none).
 */
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { repositoryImages } from './image-set.js';
import { OWNER_LABEL } from './labels.js';
import { resolveObject } from './resolve.js';
import { writtenDigests, writtenRepositories, writtenTags } from './written-tags.js';

/** Whether the image an admin's write puts under its tags has an owner label. */
async function writesOwnedImage(ctx: TenancyContext): Promise<boolean> {
  const { facts } = ctx.req;
  switch (facts.operation?.name) {
    case 'ImageTag': {
      const source = await resolveObject(ctx.daemon, 'images', facts.params.name ?? '');
      return 'found' in source && source.found.ownership.owner !== undefined;
    }
    case 'ImageCommit': {
      const container = await resolveObject(ctx.daemon, 'containers', facts.query.container ?? '');
      return 'found' in container && container.found.ownership.owner !== undefined;
    }
    case 'ImageBuild': {
      try {
        const labels: unknown = JSON.parse(facts.query.labels ?? '{}');
        return typeof labels === 'object' && labels !== null && typeof (labels as Record<string, unknown>)[OWNER_LABEL] === 'string';
      } catch {
        return false;
      }
    }
    default:
      return false;
  }
}

/** The verdict on an admin's request: forwarded, unless it puts an image without an owner into a tenant's repository. */
export async function adminWrite(ctx: TenancyContext): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const repositories = writtenRepositories(writtenTags(facts), writtenDigests(facts));
  if (repositories.size === 0 || (await writesOwnedImage(ctx))) return forward();
  for (const [repository, shown] of repositories) {
    const named = await repositoryImages(ctx.daemon, repository);
    if ('answer' in named) return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns repository "${shown}" (the daemon answered ${named.answer.status})`));
    const tenants = named.images.find((i) => i.found.ownership.owner !== undefined);
    if (tenants) {
      return deny(403, 'not-owner', tenancyMessage(ctx, `${facts.operation?.name ?? 'this write'} would put an image without an owner into repository "${shown}", which holds a tenant's image (${maskUrlCredentials(tenants.ref)}): there that tenant's team could re-point and remove it; write it under another repository name, or remove the tenant's images from the repository first`));
    }
  }
  return forward();
}
