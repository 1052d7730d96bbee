/**
 * The images a `docker save` (image get) or `docker push` acts on, read as dockerd reads the
 * name: a bare repository name (no tag, no digest) stands for every tag and digest of that
 * repository in a save (dockerd's ReferencesByName), and for every tag in a push without
 * `tag`; a push with `tag` pushes that tag of the name's repository, whatever tag the name
 * carries. Checking only `name:latest` let a tenant export or push another tenant's tags of a
 * repository they also have a tag in.
 */
import type { JsonValue } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import { normalizeReference, referenceParts } from '../policy/guards/image-reference.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import type { ResolvedObject } from './access.js';
import { getList, type DaemonAnswer, type DaemonClient } from './daemon-client.js';
import { DROP } from './list-reader.js';
import { imageSummary } from './list-items.js';
import { describeObject, resolveObject } from './resolve.js';

/** One image the operation would act on, with the reference that names it. */
export interface NamedImage {
  ref: string;
  found: ResolvedObject;
}

/** True for a repository name alone: no tag, no digest, and not an image ID dockerd would take as one. */
export function isBareRepository(ref: string): boolean {
  if (ref.startsWith('sha256:') || /^[0-9a-f]{64}$/.test(ref)) return false;
  const r = normalizeReference(ref, false);
  return r !== undefined && r.tag === undefined && r.digest === undefined;
}

/**
 * The tag a tag/commit/import/build/pull would (re)point, as dockerd reads `repo` and `tag`:
 * `repo` may already carry a tag; a non-empty `tag` replaces it; none means `latest`. Undefined
 * when no tag moves (no repo, or a digest reference: dockerd refuses to tag those or pulls by
 * digest without tagging).
 */
export function tagReference(repo: string | undefined, tag: string | undefined): string | undefined {
  if (!repo) return undefined;
  const parts = referenceParts(repo);
  if (tag) return tag.includes(':') ? undefined : `${parts.name}:${tag}`;
  if (parts.digest !== undefined) return undefined;
  return parts.tag !== undefined ? repo : `${repo}:latest`;
}

/**
 * The reference a pull by digest adds, as dockerd reads `fromImage` (`repo`) and `tag`: a `tag`
 * with a colon replaces any digest in `repo` (dockerd takes it as one: `tag=sha256:…` is what
 * `docker pull R@sha256:…` sends), else `repo`'s own digest (`R@sha256:…`, `R:1@sha256:…`).
 * dockerd tags nothing then but adds `name@digest` to the image's RepoDigests, which puts the
 * image in the repository (repositoryImages) as a tag would. Undefined for a pull by tag.
 */
export function digestReference(repo: string | undefined, tag: string | undefined): string | undefined {
  if (!repo) return undefined;
  const { name, digest } = referenceParts(repo);
  if (tag) return tag.includes(':') ? `${name}@${tag}` : undefined;
  return digest === undefined ? undefined : `${name}@${digest}`;
}

/** digestReference with URL credentials masked, as a refusal (audited) shows it. */
export function shownDigestReference(repo: string | undefined, tag: string | undefined): string {
  return digestReference(maskUrlCredentials(repo ?? ''), tag === undefined ? undefined : maskUrlCredentials(tag)) ?? '';
}

/** tagReference of `repo` and `tag` with URL credentials masked: the tag as a refusal (audited) shows it. */
export function shownTagReference(repo: string | undefined, tag: string | undefined): string {
  return tagReference(maskUrlCredentials(repo ?? ''), tag === undefined ? undefined : maskUrlCredentials(tag)) ?? '';
}

/** The references a push of image `name` with query `tag` acts on (dockerd's WithTag when `tag` is set). */
export function pushReferences(name: string, tag: string | undefined): string[] {
  if (!tag) return [name];
  // A tag dockerd cannot take (a digest) makes it refuse the push; the name alone is checked then.
  const pushed = tagReference(name, tag);
  if (pushed === undefined) return [name];
  // The name's own image too when it carries a tag or digest: its meaning is the daemon's to settle.
  return isBareRepository(name) || pushed === name ? [pushed] : [pushed, name];
}

const str = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '' && !x.startsWith('<none>')) : []);

/** The first tag or digest of an image list item in the repository `want` (a normalized name). */
function refIn(doc: Record<string, unknown>, want: string | undefined): string | undefined {
  return [...str(doc.RepoTags), ...str(doc.RepoDigests)].find((r) => normalizeReference(r, false)?.name === want);
}

/**
 * Every image of the daemon's list with a tag or digest in the repository `name` names. The
 * list is read item by item, keeping a summary (list-items.ts) of those in the repository only:
 * images elsewhere, however large, neither count against the answer cap nor stay in memory.
 */
export async function repositoryImages(daemon: DaemonClient, name: string): Promise<{ images: NamedImage[] } | { answer: DaemonAnswer }> {
  const want = normalizeReference(name, false)?.name;
  const answer = await getList(daemon, '/images/json', (_key, doc) => (isObject(doc as JsonValue) && refIn(doc as Record<string, unknown>, want) !== undefined ? imageSummary(doc as Record<string, unknown>) : DROP));
  if (answer.status !== 200 || !Array.isArray(answer.json)) return { answer };
  const images: NamedImage[] = [];
  for (const doc of answer.json as JsonValue[]) {
    if (!isObject(doc)) continue;
    const ref = refIn(doc as Record<string, unknown>, want);
    if (ref !== undefined) images.push({ ref, found: describeObject('images', doc as Record<string, unknown>) });
  }
  return { images };
}

/**
 * The images `ref` names for a save or push: all of a bare repository's (when it has any;
 * otherwise dockerd looks the name up as an image ID prefix, as resolveObject does), else the
 * one image the reference resolves to.
 */
export async function imagesNamed(daemon: DaemonClient, ref: string): Promise<{ images: NamedImage[] } | { answer: DaemonAnswer }> {
  if (isBareRepository(ref)) {
    const all = await repositoryImages(daemon, ref);
    if ('answer' in all || all.images.length > 0) return all;
  }
  const r = await resolveObject(daemon, 'images', ref);
  return 'answer' in r ? r : { images: [{ ref, found: r.found }] };
}
