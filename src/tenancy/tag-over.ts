/**
 * Tags and references added to a repository (tag, commit, import, build, pull): refused when
 * they take over a tag of an image the caller does not own, or join a repository they may not.
 */
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { accessTo } from './access.js';
import { isCallersRepository } from './caller-repository.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';
import { idLikeImageTag } from './id-like-name.js';
import { digestReference, repositoryImages, shownDigestReference, shownTagReference, tagReference, type NamedImage } from './image-set.js';
import type { Ownership } from './labels.js';
import { ADMIN_MAY, labelTeam, whose } from './ownership-refusals.js';
import { resolveObject } from './resolve.js';

/**
 * Refuse a tag (tag, commit, import, build, pull) that takes over a tag naming an image the
 * caller does not own (one without an owner may be re-pointed in the caller's repository,
 * caller-repository.ts: a refresh pull, `compose up --build` after a pull), that dockerd would read in place of an image ID (idLikeImageTag), or
 * that joins a repository it may not join (strangerInRepository): a bare repository name
 * stands for all its tags in a save or push, so a stranger's tag there made the owner's
 * `docker save <repo>` refused, with a tag the owner could neither see nor remove. `owned`:
 * the caller will own the tag (all but pulls, whose images carry no owner). A pull by digest
 * moves no tag but adds `name@digest` to the repository (digestReference): only the
 * repository check applies (it once skipped every check, so `docker pull R@sha256:…` put an
 * unowned image into another team's repository R).
 */
export async function tagOver(ctx: TenancyContext, repo: string | undefined, tag: string | undefined, owned = true): Promise<TenancyVerdict | undefined> {
  const ref = tagReference(repo, tag);
  if (ref === undefined) {
    const digest = owned ? undefined : digestReference(repo, tag);
    return digest === undefined ? undefined : strangerInRepository(ctx, digest, `reference "${shownDigestReference(repo, tag)}"`, false);
  }
  // Deny reasons reach the audit log: `fromImage` may be a URL with a token in its userinfo or
  // query, which the reference cuts at its `@`, so the reason is built from masked parts.
  const shown = shownTagReference(repo, tag);
  const idLike = await idLikeImageTag(ctx, ref, shown);
  if (idLike) return idLike;
  const existing = await resolveObject(ctx.daemon, 'images', ref);
  if ('answer' in existing) {
    // Fail closed: a reference the daemon cannot look up is one the gateway cannot vouch for.
    if (existing.answer.status !== 404) return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns tag "${shown}" (the daemon answered ${existing.answer.status})`));
  } else if (accessTo(ctx.spec, ctx.tenant, existing.found, 'modify') === 'none') {
    const ownership = existing.found.ownership;
    if (ownership.owner !== undefined) return deny(403, 'not-owner', tenancyMessage(ctx, `tag "${shown}" names an image that ${whose(ctx, ownership)}`));
    // A tag without an owner may be re-pointed in the caller's repository only (a refresh pull, `compose up --build` after a pull).
    const named = await repositoryImages(ctx.daemon, ref);
    if ('answer' in named) return unlistable(ctx, `tag "${shown}"`, named.answer.status);
    if (!isCallersRepository(ctx, named.images)) {
      const advice = owned ? ADMIN_MAY : "refreshing shared images is an admin's job: ask a tenancy admin to pull it";
      return deny(403, 'not-owner', tenancyMessage(ctx, `tag "${shown}" names an image that has no owner, outside a repository of yours; ${advice}`));
    }
    return strangerIn(ctx, named.images, `tag "${shown}"`, owned);
  }
  return strangerInRepository(ctx, ref, `tag "${shown}"`, owned);
}

/**
 * Refuse adding `what` (`tag "app:1"`, `reference "app@sha256:…"`, as a refusal shows it;
 * `ref` unmasked) to a repository it may not join (strangerIn).
 */
async function strangerInRepository(ctx: TenancyContext, ref: string, what: string, owned: boolean): Promise<TenancyVerdict | undefined> {
  const named = await repositoryImages(ctx.daemon, ref);
  if ('answer' in named) return unlistable(ctx, what, named.answer.status);
  return strangerIn(ctx, named.images, what, owned);
}

/** The refusal of a write whose repository could not be listed (fail closed). */
function unlistable(ctx: TenancyContext, what: string, status: number): TenancyVerdict {
  return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns the repository of ${what} (the daemon answered ${status})`));
}

/**
 * Refuse adding `what` to the repository of `images` (repositoryImages) when it holds an image
 * the caller may not modify, except: a pull (not `owned`: its image carries no owner) is
 * stopped only by an image with an owner (another tenant's or team's, or the caller's own
 * labelled with another team), never by images without one (pulls of a public repository go
 * together), nor by the caller's own or team's; and images without an owner do not stop a tag
 * the caller will own (`owned`) in the caller's repository (caller-repository.ts). A
 * repository of images without an owner only still takes no tag with an owner: no tenant may
 * claim a public repository and block others' saves. Before, a pull's tag could join any
 * repository (`alice pull reg/carolapp:zz` planted an unowned tag in carol's repository), and
 * f6b439b's refusal of pulls into the caller's own repository locked teams out of pulling
 * their own pushed images back (they keep their owner labels through a registry).
 */
function strangerIn(ctx: TenancyContext, images: readonly NamedImage[], what: string, owned: boolean): TenancyVerdict | undefined {
  const barred = images.filter((i) => accessTo(ctx.spec, ctx.tenant, i.found, 'modify') === 'none');
  const callers = barred.length < images.length;
  const stranger = barred.find((i) => (i.found.ownership.owner === undefined ? owned && !callers : true));
  if (stranger === undefined) return undefined;
  const { ownership } = stranger.found;
  const advice = !owned
    ? "a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images"
    : ownership.owner === undefined
      ? 'a repository of images without an owner only takes no tags with an owner: tag into a repository of your own'
      : 'tag into a repository of your own';
  return deny(403, 'not-owner', tenancyMessage(ctx, `${what} would join a repository that holds ${strangerImage(ctx, ownership)} (${maskUrlCredentials(stranger.ref)}): ${advice}`));
}

/** An image in a repository that the caller may not change, as strangerInRepository names it. */
function strangerImage(ctx: TenancyContext, ownership: Ownership): string {
  if (ownership.owner === undefined) return 'an image that has no owner';
  if (ownership.owner !== ctx.tenant.name) return "another tenant's image";
  return `an image labelled yours but with ${labelTeam(ownership)}, not your own team's label`;
}
