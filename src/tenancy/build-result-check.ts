/**
 * The check of a tenant's BuildKit build after the fact. The gateway gives the build the
 * tenant's owner labels as options (`label:dockgate.owner=...`), but the frontend that runs the
 * build is the Dockerfile's to choose (`# syntax=<image>`, resolved from the local image store
 * too), and a frontend of the tenant's own returns whatever image config it likes: dockerd
 * then writes an image with another tenant's owner labels, or none, under the build's `t`
 * tags (found by a review: alice's build made `alice-forged:1`, which counted as carol's). The
 * gateway never sees the Dockerfile (it comes over the client's session), so it checks the
 * result: once the answer has ended, every image the stream names (`moby.image.id`, or with
 * `q` the ID line dockerd writes instead: build-answer.ts) must carry exactly the tenant's
 * owner and team labels. If one does not, or cannot be checked (fail closed: no image ID in a
 * stream that reports no failure, an inspect that fails), the build's tags are removed and the
 * images with them unless something else names them, the client's stream gets an error message (`docker build` fails), and the exchange
 * is recorded as a tenancy denial (`build-labels`). The build's tags stay reserved until then.
 */
import { escapeHidden } from '../core/hidden-characters.js';
import type { JsonValue } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import { goBoolValue } from '../facts/query.js';
import { BuildAnswerReader, labelledFor, shownOwnerLabels, type BuildAnswerFacts } from './build-answer.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import type { DaemonClient } from './daemon-client.js';
import type { AnswerCheck, AnswerCheckOutcome } from './hook.js';
import { tagReference } from './image-set.js';

/** The stable code of a build result refused after the fact. */
export const BUILD_LABELS_CODE = 'build-labels';

/** A tag the build writes: as the client sent it, the reference looked up, its image before. */
interface BuildTag {
  shown: string;
  ref: string;
  /** The image the tag named when the build was admitted (undefined: none, or not known). */
  before?: string;
}

/** An inspect of an image by reference: its ID and labels, absent (404), or not checkable. */
type Looked = { id: string; labels: JsonValue | undefined; tagged: boolean } | { absent: true } | { failed: string };

function imagePath(ref: string): string {
  return `/images/${ref.split('/').map(encodeURIComponent).join('/')}`;
}

async function look(daemon: DaemonClient, ref: string): Promise<Looked> {
  try {
    const a = await daemon.get(`${imagePath(ref)}/json`);
    if (a.status === 404) return { absent: true };
    const doc = a.json as Record<string, unknown> | undefined;
    if (a.status !== 200 || !isObject(doc as JsonValue) || typeof doc?.Id !== 'string') return { failed: `the daemon answered ${a.status}` };
    const config = isObject(doc.Config as JsonValue) ? (doc.Config as Record<string, JsonValue>) : {};
    const refs = [...(Array.isArray(doc.RepoTags) ? doc.RepoTags : []), ...(Array.isArray(doc.RepoDigests) ? doc.RepoDigests : [])];
    return { id: doc.Id, labels: config.Labels, tagged: refs.length > 0 };
  } catch (err) {
    return { failed: `the daemon request failed: ${(err as Error).message}` };
  }
}

async function remove(daemon: DaemonClient, ref: string): Promise<string | undefined> {
  if (!daemon.delete) return 'the gateway cannot remove images here';
  try {
    const a = await daemon.delete(`${imagePath(ref)}?noprune=1`);
    if (a.status === 200 || a.status === 404) return undefined;
    const message = isObject(a.json as JsonValue) ? (a.json as Record<string, unknown>).message : undefined;
    return `the daemon answered ${a.status}${typeof message === 'string' ? `: ${message}` : ''}`;
  } catch (err) {
    return `the daemon request failed: ${(err as Error).message}`;
  }
}

async function retag(daemon: DaemonClient, id: string, ref: string): Promise<string | undefined> {
  if (!daemon.post) return 'the gateway cannot tag images here';
  const at = ref.lastIndexOf(':');
  const query = new URLSearchParams({ repo: ref.slice(0, at), tag: ref.slice(at + 1) });
  try {
    const a = await daemon.post(`/images/${encodeURIComponent(id)}/tag?${query.toString()}`);
    return a.status === 201 || a.status === 200 ? undefined : `the daemon answered ${a.status}`;
  } catch (err) {
    return `the daemon request failed: ${(err as Error).message}`;
  }
}

/** The build's `t` tags with the image each names now (call before forwarding). */
export async function buildTags(ctx: TenancyContext): Promise<BuildTag[]> {
  const out: BuildTag[] = [];
  for (const t of ctx.req.facts.queryAll.t ?? []) {
    const ref = tagReference(t, undefined);
    if (ref === undefined) continue;
    const now = await look(ctx.daemon, ref);
    out.push({ shown: t, ref, ...('id' in now ? { before: now.id } : {}) });
  }
  return out;
}

/**
 * Whether the build exports an image (the `moby` exporter): not with an `outputs` list whose
 * first entry names another exporter (the gateway lets only `local`, `tar` and `cacheonly`
 * through: build-ops.ts), which writes no image and no tag.
 */
export function exportsImage(outputs: string | undefined): boolean {
  if (outputs === undefined || outputs === '') return true;
  try {
    const list = JSON.parse(outputs) as unknown;
    return !(Array.isArray(list) && list.length > 0);
  } catch {
    return true;
  }
}

/**
 * The error message a build stream carries, as dockerd writes one (`\r\n` after it). The CLI
 * prints it: its hidden characters are written `\uXXXX`, as docker-error.ts writes a refusal's.
 */
export function streamError(message: string): Buffer {
  const shown = escapeHidden(message);
  return Buffer.from(`${JSON.stringify({ errorDetail: { message: shown }, error: shown })}\r\n`);
}

/** The after-the-fact check of a tenant's BuildKit build (version=2), its tags looked up first. */
export function buildResultCheck(ctx: TenancyContext, tags: readonly BuildTag[]): AnswerCheck {
  // `docker build -q`: dockerd names the image only in a stream line. A value the gateway does
  // not read as dockerd does counts as quiet: only dockerd writes ID stream lines either way.
  const reader = new BuildAnswerReader(goBoolValue(ctx.req.facts.query.q) !== false);
  const expectImage = exportsImage(ctx.req.facts.query.outputs);
  return {
    seen: (chunk) => reader.push(chunk),
    ended: async (complete) => {
      try {
        return await checkResult(ctx, tags, reader.facts(), complete, expectImage);
      } catch (err) {
        const message = tenancyMessage(ctx, `the gateway could not check the image the build made (${(err as Error).message}); it may still be on the daemon: ask a tenancy admin`);
        return { append: streamError(message), refusal: { code: BUILD_LABELS_CODE, message } };
      }
    },
  };
}

async function checkResult(ctx: TenancyContext, tags: readonly BuildTag[], facts: BuildAnswerFacts, complete: boolean, expectImage: boolean): Promise<AnswerCheckOutcome> {
  const { tenant, daemon } = ctx;
  const ids = facts.imageIds;
  const own = (labels: JsonValue | undefined) => labelledFor(labels, tenant.name, tenant.team);
  // A failed build exported nothing (the image ID comes after a successful export); a build
  // to `local`/`tar` writes no image.
  if (ids.length === 0 && (facts.failed || !expectImage)) return {};
  let why: string | undefined;
  // Every image the stream named is checked (with `squash`, dockerd names two).
  for (const id of ids) {
    const image = await look(daemon, id);
    if ('absent' in image) continue;
    if ('id' in image && own(image.labels)) continue;
    why = 'id' in image
      ? `the image it made (${id.slice(7, 19)}) has ${shownOwnerLabels(image.labels)}, not your owner and team labels (a Dockerfile's "# syntax=" frontend decides an image's labels)`
      : `the gateway could not check the owner labels of the image it made (${id.slice(7, 19)}: ${image.failed})`;
    break;
  }
  if (ids.length > 0 && why === undefined) return {};
  why ??= complete ? 'its answer named no image, so the gateway could not check the owner labels of what it made' : 'its answer broke off before it named the image it made, so the gateway could not check its owner labels';
  const undone = await undo(daemon, tags, ids, own);
  const message = tenancyMessage(ctx, `the BuildKit build's result is refused: ${why}; ${undone}`);
  return { append: streamError(message), refusal: { code: BUILD_LABELS_CODE, message } };
}

/**
 * Remove what the build wrote: each of its tags that names one of the images `ids` (without
 * any: an image not labelled for the tenant, `ownLabels`) and named another image, or none,
 * before the build; then each of those images when nothing names it any more (not forced:
 * dockerd keeps one a container uses), the last named first (a squashed image before the one
 * it was made from). Says what was done, for the client and the record.
 */
async function undo(daemon: DaemonClient, tags: readonly BuildTag[], ids: readonly string[], ownLabels: (labels: JsonValue | undefined) => boolean): Promise<string> {
  const removed: string[] = [];
  const restored: string[] = [];
  const problems: string[] = [];
  for (const tag of tags) {
    const now = await look(daemon, tag.ref);
    if ('absent' in now) continue;
    if ('failed' in now) {
      problems.push(`tag "${tag.shown}" could not be looked up (${now.failed})`);
      continue;
    }
    if (now.id === tag.before) continue;
    if (ids.length > 0 ? !ids.includes(now.id) : ownLabels(now.labels)) continue;
    const failed = await remove(daemon, tag.ref);
    if (failed) {
      problems.push(`tag "${tag.shown}" could not be removed (${failed})`);
      continue;
    }
    removed.push(tag.shown);
    // The tag named another image before (the tenant's or a teammate's): it names it again.
    if (tag.before !== undefined) {
      const back = await retag(daemon, tag.before, tag.ref);
      if (back) problems.push(`tag "${tag.shown}" could not be put back on image ${tag.before.slice(7, 19)} (${back})`);
      else restored.push(tag.shown);
    }
  }
  const images: string[] = [];
  for (const id of [...ids].reverse()) {
    // With one image its ID is in the reason already; with several each is named.
    const image = ids.length > 1 ? `the image ${id.slice(7, 19)}` : 'the image';
    const left = await look(daemon, id);
    if ('failed' in left) problems.push(`${image} could not be looked up (${left.failed})`);
    else if ('id' in left && left.tagged) problems.push(`${image} was kept: another tag names it`);
    else if ('id' in left) {
      const failed = await remove(daemon, id);
      if (failed) problems.push(`${image} could not be removed (${failed})`);
      else images.push(`${image} was removed`);
    } else images.push(`${image} was removed`);
  }
  const quoted = (list: string[]) => list.map((t) => `"${t}"`).join(', ');
  const parts = [
    removed.length ? `the build's tags were removed (${quoted(removed)})` : tags.length ? 'none of the build\'s tags named it' : 'the build had no tags',
    ...(restored.length ? [`put back on the images they named before (${quoted(restored)})`] : []),
    ...images,
    ...problems,
  ];
  return `${parts.join('; ')}${problems.length ? ' (ask a tenancy admin to remove what is left)' : ''}`;
}
