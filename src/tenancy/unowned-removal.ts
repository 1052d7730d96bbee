/**
 * `docker rmi <reference>` of an image without an owner, in the caller's repository
 * (caller-repository.ts): a pull's tag or digest, or one the classic builder's `FROM` pull put
 * there unchecked, would otherwise keep the team from saving or pushing its repository by name
 * until an admin removed it. By a tag or `name@digest` (not an image ID or ID prefix) dockerd
 * only removes that reference, and deletes the image only when nothing else names or uses it;
 * with `force` it would also delete an image other tenants' containers use, so that is refused.
 */
import { goBoolValue } from '../facts/query.js';
import { formatReference, normalizeReference } from '../policy/guards/image-reference.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import type { ResolvedObject } from './access.js';
import { isCallersRepository } from './caller-repository.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { repositoryImages } from './image-set.js';

/** dockerd's isImageIDPrefix: a name it deletes the image by (all its tags) rather than untags. */
function isIdPrefix(id: string, name: string): boolean {
  return id.startsWith(name) || id.startsWith(`sha256:${name}`);
}

/** The normalised form of a reference (`docker.io/library/app:latest`), as dockerd untags it. */
function normalised(ref: string): string | undefined {
  const r = normalizeReference(ref);
  return r && formatReference(r);
}

/** Whether `name` is one of the image's own tags or digest references, as dockerd reads it. */
function namesReference(name: string, obj: ResolvedObject & { raw: Record<string, unknown> }): boolean {
  if (isIdPrefix(obj.id, name)) return false;
  const want = normalised(name);
  const digests = Array.isArray(obj.raw.RepoDigests) ? obj.raw.RepoDigests.filter((d): d is string => typeof d === 'string') : [];
  return want !== undefined && [...obj.names, ...digests].some((r) => normalised(r) === want);
}

/**
 * The verdict for an ImageDelete of `name`, resolved to `obj`, an image without an owner:
 * forwarded (by name, as images are) when `name` is a reference of it in the caller's
 * repository, refused with `force`; undefined when this does not apply (an ID, another
 * repository), where the ordinary refusal stands.
 */
export async function unownedRemoval(ctx: TenancyContext, name: string, obj: ResolvedObject & { raw: Record<string, unknown> }): Promise<TenancyVerdict | undefined> {
  if (obj.ownership.owner !== undefined || !namesReference(name, obj)) return undefined;
  const repository = await repositoryImages(ctx.daemon, name);
  const shown = maskUrlCredentials(name);
  if ('answer' in repository) return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns the repository of image "${shown}" (the daemon answered ${repository.answer.status})`));
  if (!isCallersRepository(ctx, repository.images)) return undefined;
  const force = goBoolValue(ctx.req.facts.query.force);
  if (force === undefined) return deny(400, 'bad-query', tenancyMessage(ctx, 'the value of "force" is not one the gateway reads as dockerd does'));
  if (force) {
    return deny(403, 'not-owner', tenancyMessage(ctx, `image "${shown}" has no owner: remove it from your repository without -f (force would also delete an image other tenants' containers use)`));
  }
  return forward();
}
