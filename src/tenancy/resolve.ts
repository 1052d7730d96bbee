/**
 * Resolving an object reference the way dockerd does (full ID, exact name, unique ID prefix)
 * by asking dockerd itself, and reading the owner labels of what it found (a container's count
 * only with its proof of creation through the gateway: container-seal.ts).
 */
import type { ObjectKind } from '../policy/tenancy-schema.js';
import type { ResolvedObject } from './access.js';
import type { DaemonAnswer, DaemonClient } from './daemon-client.js';
import { ownershipOf } from './labels.js';
import { containerOwnership, isBuilderStepContainer, mayBeOwned } from './container-seal.js';
import { imageLabelCache } from './image-labels.js';
import { isObject } from '../facts/go-fold.js';
import type { JsonValue } from '../core/types.js';

/** Found, or the daemon's own answer (404, 409 ambiguous prefix, ...) to pass on. */
export type Resolution = { found: ResolvedObject & { raw: Record<string, unknown> } } | { answer: DaemonAnswer };

const INSPECT: Record<ObjectKind, (n: string) => string> = {
  containers: (n) => `/containers/${encodeURIComponent(n)}/json`,
  volumes: (n) => `/volumes/${encodeURIComponent(n)}`,
  networks: (n) => `/networks/${encodeURIComponent(n)}`,
  images: (n) => `/images/${n.split('/').map(encodeURIComponent).join('/')}/json`,
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The labels of an inspect answer or a list item of `kind`. */
function labelsOf(kind: ObjectKind, doc: Record<string, unknown>): JsonValue | undefined {
  const config = isObject(doc.Config as JsonValue) ? (doc.Config as Record<string, unknown>) : {};
  return ((kind === 'containers' || kind === 'images') && doc.Labels === undefined ? config.Labels : doc.Labels) as JsonValue | undefined;
}

/** The ID of the image a container runs: `Image` in an inspect answer, `ImageID` in a list item. */
function imageIdOf(doc: Record<string, unknown>): string {
  return str(doc.ImageID !== undefined ? doc.ImageID : doc.Image);
}

/**
 * Build a ResolvedObject from an inspect answer or a list item of `kind`. A container's
 * ownership also needs the labels of the image it runs (`imageLabels`, container-seal.ts):
 * without them (not found, not looked up) it has no owner; describeContainers looks them up.
 */
export function describeObject(kind: ObjectKind, doc: Record<string, unknown>, imageLabels?: JsonValue): ResolvedObject {
  const labels = labelsOf(kind, doc);
  let names: string[];
  if (kind === 'containers') names = [str(doc.Name), ...(Array.isArray(doc.Names) ? doc.Names.map(str) : [])].filter(Boolean).map((n) => n.replace(/^\//, ''));
  else if (kind === 'images') names = Array.isArray(doc.RepoTags) ? doc.RepoTags.map(str) : [];
  else names = [str(doc.Name)];
  const id = kind === 'volumes' ? str(doc.Name) : str(doc.Id);
  const ownership = kind !== 'containers' ? ownershipOf(labels) : isBuilderStepContainer(doc) ? {} : containerOwnership(labels, imageLabels);
  const found: ResolvedObject = { kind, id, names, ownership };
  if (kind === 'images') {
    // Lists show an untagged image as `<none>:<none>` / `<none>@<none>`.
    const real = (v: unknown) => (Array.isArray(v) ? v.map(str) : []).some((n) => n !== '' && !n.startsWith('<none>'));
    found.tagged = real(doc.RepoTags) || real(doc.RepoDigests);
    found.names = names.filter((n) => !n.startsWith('<none>'));
  }
  return found;
}

/**
 * Describe containers (inspect answers or list items), each with the ownership its labels and
 * its image's give (container-seal.ts): one image look-up per distinct image, only for
 * containers that could be someone's, through the daemon client's cache. A failed look-up
 * throws (the request is refused).
 */
export async function describeContainers(daemon: DaemonClient, docs: readonly Record<string, unknown>[]): Promise<ResolvedObject[]> {
  const cache = imageLabelCache(daemon);
  const images = new Map<string, JsonValue | undefined>();
  for (const doc of docs) {
    const image = imageIdOf(doc);
    if (!mayBeOwned(labelsOf('containers', doc)) || isBuilderStepContainer(doc) || images.has(image)) continue;
    images.set(image, await cache.labelsOf(daemon, image));
  }
  return docs.map((doc) => describeObject('containers', doc, images.get(imageIdOf(doc))));
}

/** dockerd's answer to a container reference it finds nothing for. */
function noSuchContainer(name: string): DaemonAnswer {
  const json = { message: `No such container: ${name}` };
  return { status: 404, json, raw: Buffer.from(JSON.stringify(json) + '\n'), contentType: 'application/json' };
}

/** Resolve `name` of `kind` on the daemon. */
export async function resolveObject(daemon: DaemonClient, kind: ObjectKind, name: string): Promise<Resolution> {
  if (kind === 'containers' && name.startsWith('/')) {
    // dockerd reads `/x` in a body reference (VolumesFrom, container:<x>) as the name x, never
    // as an ID or ID prefix; inspected by path, `/containers/%2Fx/json` is only a redirect.
    const bare = name.slice(1);
    const byName = bare === '' ? undefined : await resolveObject(daemon, kind, bare);
    if (byName && 'found' in byName && byName.found.names.includes(bare)) return byName;
    return byName && 'answer' in byName && byName.answer.status !== 404 ? byName : { answer: noSuchContainer(name) };
  }
  const answer = await daemon.get(INSPECT[kind](name));
  // A reference holding `/` or a `.`/`..` segment makes the inspect path unclean, and dockerd's
  // router answers it with a bare redirect; no container can have it (names are
  // [a-zA-Z0-9][a-zA-Z0-9_.-]+, IDs hex), so dockerd's own look-up of it in a body or query
  // (`/commit?container=c1/`) says no such container. Passed on, the redirect reached the client
  // as a 301 with no body and no Location (probe38).
  if (kind === 'containers' && answer.status >= 300 && answer.status < 400) return { answer: noSuchContainer(name) };
  if (answer.status !== 200 || !isObject(answer.json as JsonValue)) return { answer };
  const raw = answer.json as Record<string, unknown>;
  const found = kind === 'containers' ? (await describeContainers(daemon, [raw]))[0] : describeObject(kind, raw);
  return { found: { ...(found as ResolvedObject), raw } };
}

/**
 * Resolve container `id` (a full ID found earlier for `reference`) again, as `reference` named
 * it then: gone since, it is answered as dockerd answers `reference` for no container.
 */
export async function resolveContainerAgain(daemon: DaemonClient, id: string, reference: string): Promise<Resolution> {
  const r = await resolveObject(daemon, 'containers', id);
  return 'answer' in r && r.answer.status === 404 ? { answer: noSuchContainer(reference) } : r;
}

/** Resolve an exec instance to its ID, the container it runs in, and the daemon's whole answer (`raw`). */
export async function resolveExec(daemon: DaemonClient, id: string): Promise<{ execId: string; container: string; raw: Record<string, unknown> } | { answer: DaemonAnswer }> {
  const answer = await daemon.get(`/exec/${encodeURIComponent(id)}/json`);
  const doc = answer.json as Record<string, unknown> | undefined;
  if (answer.status !== 200 || !doc || typeof doc.ID !== 'string' || typeof doc.ContainerID !== 'string') return { answer };
  return { execId: doc.ID, container: doc.ContainerID, raw: doc };
}
