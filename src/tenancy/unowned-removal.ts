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

/** The image's tags and digest references. */
function references(obj: ResolvedObject & { raw: Record<string, unknown> }): string[] {
  const digests = Array.isArray(obj.raw.RepoDigests) ? obj.raw.RepoDigests.filter((d): d is string => typeof d === 'string') : [];
  return [...obj.names, ...digests];
}

/** Whether `name` is one of the image's own tags or digest references, as dockerd reads it. */
function namesReference(name: string, obj: ResolvedObject & { raw: Record<string, unknown> }): boolean {
  if (isIdPrefix(obj.id, name)) return false;
  const want = normalised(name);
  return want !== undefined && references(obj).some((r) => normalised(r) === want);
}

/** Most repositories of an image looked at for a refusal's advice (each is one listing). */
const MAX_ADVICE_LOOKUPS = 4;

/**
 * The refusal of `rmi <ID>` of an image without an owner that has a reference in the caller's
 * repository: by ID dockerd deletes the image with every tag, but that reference may be removed
 * by name (rule 4), which the ordinary refusal ("a tenancy admin can remove or re-tag it") did
 * not say (rev-images F7). Undefined when it has none there (or its repositories cannot be
 * listed): the ordinary refusal stands.
 */
async function byIdInOwnRepository(ctx: TenancyContext, name: string, obj: ResolvedObject & { raw: Record<string, unknown> }): Promise<TenancyVerdict | undefined> {
  const seen = new Set<string>();
  for (const ref of references(obj)) {
    const repository = normalizeReference(ref, false)?.name;
    if (repository === undefined || seen.has(repository)) continue;
    if (seen.add(repository).size > MAX_ADVICE_LOOKUPS) return undefined;
    const listed = await repositoryImages(ctx.daemon, ref);
    if ('answer' in listed || !isCallersRepository(ctx, listed.images)) continue;
    const shown = maskUrlCredentials(ref);
    return deny(403, 'not-owner', tenancyMessage(ctx, `image "${maskUrlCredentials(name)}" has no owner: by ID dockerd would delete it with every tag it has; remove its reference in your repository by name instead (docker rmi ${shown}, without -f)`));
  }
  return undefined;
}

/**
 * What the audit record adds to the policy's reason for a removal allowed by rule 4: the
 * permission, not an outcome (dockerd may still refuse the removal, 409 when a container uses
 * the image and this is its last reference; the record's status says what dockerd did).
 */
export const UNOWNED_REMOVAL_NOTE = "allowed by Tags rule 4 of docs/sharing.md (an unowned image's reference in the caller's repository)";

/**
 * The verdict for an ImageDelete of `name`, resolved to `obj`, an image without an owner:
 * forwarded (by name, as images are) when `name` is a reference of it in the caller's
 * repository, with a note for the audit record, refused with `force`; by ID, refused saying
 * which reference may be removed instead (byIdInOwnRepository); undefined when this does not
 * apply (another repository), where the ordinary refusal stands.
 */
export async function unownedRemoval(ctx: TenancyContext, name: string, obj: ResolvedObject & { raw: Record<string, unknown> }): Promise<TenancyVerdict | undefined> {
  if (obj.ownership.owner !== undefined) return undefined;
  if (isIdPrefix(obj.id, name)) return byIdInOwnRepository(ctx, name, obj);
  if (!namesReference(name, obj)) return undefined;
  const repository = await repositoryImages(ctx.daemon, name);
  const shown = maskUrlCredentials(name);
  if ('answer' in repository) return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns the repository of image "${shown}" (the daemon answered ${repository.answer.status})`));
  if (!isCallersRepository(ctx, repository.images)) return undefined;
  const force = goBoolValue(ctx.req.facts.query.force);
  if (force === undefined) return deny(400, 'bad-query', tenancyMessage(ctx, 'the value of "force" is not one the gateway reads as dockerd does'));
  if (force) {
    return deny(403, 'not-owner', tenancyMessage(ctx, `image "${shown}" has no owner: remove it from your repository without -f (force would also delete an image other tenants' containers use)`));
  }
  return forward({ note: UNOWNED_REMOVAL_NOTE });
}
