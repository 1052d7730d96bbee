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
 * A pull writes an image without an owner (a pulled image carrying owner labels is not known
 * before it arrives, nor are a `docker load`'s tags: docs/sharing.md, Known limits); an import,
 * one without an owner unless its changes could set a gateway label (then unknown); a tag, the
 * image it names; a build, the owner and team its `labels` give, or none (the missing labels
 * then forced: adminBuild); a commit, the container's labels under the body's, unless its
 * changes could set a gateway label (writtenOwnership).
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { formBodyReplacement, tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { repositoryImages } from './image-set.js';
import { mayWriteReservedLabel } from './label-changes.js';
import { OWNER_LABEL, ownershipOf, TEAM_LABEL, type Ownership } from './labels.js';
import { resolveObject } from './resolve.js';
import { rebuildTarget } from './target.js';
import { writtenDigests, writtenRepositories, writtenTags } from './written-tags.js';

/** What an admin's commit or import writes when its changes could set a gateway label (label-changes.ts). */
type Unknown = 'unknown';

/** The labels an admin's build gives, as dockerd reads `labels`; undefined when they are not a JSON object (dockerd refuses it). */
function buildLabels(raw: string | undefined): Record<string, JsonValue> | undefined {
  if (raw === undefined || raw === '') return {};
  try {
    const labels = JSON.parse(raw) as JsonValue;
    return labels !== null && typeof labels === 'object' && !Array.isArray(labels) ? labels : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ownership of the image an admin's write puts under its tags (none: `{}`). A commit keeps
 * the container's labels, as dockerd merges them under the body's `Labels` (whose exact
 * `dockgate.owner` and `dockgate.team` keys win) and the `--change`s. An import (an
 * ImageCreate with an empty `fromImage`) applies its `--change`s to an empty config, as a
 * commit does to the container's: it was taken for a pull, so root's `docker import --change
 * 'LABEL dockgate.owner=carol dockgate.team=ops'` into `busybox` made the shared repository team
 * ops' (rev-images F1). For both, changes that could set a gateway label in any spelling
 * (mayWriteReservedLabel) make it unknown. A build's is the owner and team its `labels` give:
 * the gateway sets the ones they leave out empty (adminBuild), as the image would otherwise
 * inherit its base image's (`FROM` a tenant's image).
 */
async function writtenOwnership(ctx: TenancyContext): Promise<Ownership | Unknown> {
  const { facts } = ctx.req;
  switch (facts.operation?.name) {
    case 'ImageTag': {
      const source = await resolveObject(ctx.daemon, 'images', facts.params.name ?? '');
      return 'found' in source ? source.found.ownership : {};
    }
    case 'ImageCommit': {
      if (mayWriteReservedLabel(facts.queryAll.changes ?? [])) return 'unknown';
      const container = await resolveObject(ctx.daemon, 'containers', facts.query.container ?? '');
      const base = 'found' in container ? container.found.raw.Config : undefined;
      const inherited = isObject(base as JsonValue) ? field(base as JsonValue, 'Labels') : undefined;
      const given = field(facts.body, 'Labels');
      return ownershipOf({ ...(isObject(inherited) ? inherited : {}), ...(isObject(given) ? given : {}) });
    }
    case 'ImageBuild':
      return ownershipOf(buildLabels(facts.query.labels) ?? {});
    case 'ImageCreate':
      // dockerd pulls when fromImage is non-empty (changes unused), and imports otherwise.
      return (facts.query.fromImage ?? '') === '' && mayWriteReservedLabel(facts.queryAll.changes ?? []) ? 'unknown' : {};
    default:
      return {};
  }
}

/**
 * The labels an admin's build is sent with so that the image has the ownership the check read
 * from them (build labels win over the Dockerfile's and the base image's, as tenants' builds get
 * theirs): with no owner, empty owner and team labels; with an owner but no `dockgate.team`
 * key, an empty team label (`--label dockgate.owner=dave` `FROM` team ops' image kept
 * `dockgate.team=ops`, and dave's repository became ops' too: rev-images F3). Undefined when
 * they need nothing added, or are not a JSON object (dockerd refuses the build).
 */
export function adminBuildLabels(raw: string | undefined): Record<string, JsonValue> | undefined {
  const labels = buildLabels(raw);
  if (labels === undefined) return undefined;
  if (ownershipOf(labels).owner === undefined) return { ...labels, [OWNER_LABEL]: '', [TEAM_LABEL]: '' };
  return TEAM_LABEL in labels ? undefined : { ...labels, [TEAM_LABEL]: '' };
}

/** An admin's build, sent with the labels adminBuildLabels adds (unchanged when it adds none). */
function adminBuild(ctx: TenancyContext): TenancyVerdict {
  const { facts } = ctx.req;
  const labels = adminBuildLabels(facts.query.labels);
  if (labels === undefined) return forward();
  const target = rebuildTarget(facts, { query: { labels: JSON.stringify(labels) } });
  const v = forward({ target });
  const replacement = formBodyReplacement(ctx);
  if (replacement) v.body = replacement;
  return v;
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
    if (written === 'unknown') {
      if (named.images.length > 0) {
        return deny(403, 'not-owner', tenancyMessage(ctx, `${op} with a change that could set a dockgate label (one naming it in any spelling, a LABEL with a variable, or a change that is not one plain instruction) writes an image whose owner the gateway cannot tell: it may only go into a new repository, and repository "${shown}" holds ${maskUrlCredentials(named.images[0]?.ref ?? '')}`));
      }
      continue;
    }
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
  return facts.operation?.name === 'ImageBuild' ? adminBuild(ctx) : forward();
}
