/**
 * The image reference dockerd (20.10) acts on for a pull, a push, a tag and a commit or
 * import, from the request's name and `tag` parameter, read as its handlers read them: the
 * images guard matches what dockerd does, not what the request seems to say. Pure.
 */
import { isDigest } from '../../facts/image-digest.js';
import { referenceParts } from './image-reference.js';

/** What a request acts on: one reference, or every tag of a repository (`docker pull -a`, `docker push -a`). */
export type DaemonReading = { ref: string } | { everyTag: string };

/**
 * `reference.WithTag(ref, tag)`: the tag replaces the reference's own, a digest stays. A `tag`
 * with a colon is no tag (dockerd refuses it, or a pull reads it as a digest): read as a digest
 * in place of any other, which fails closed.
 */
function withTag(ref: string, tag: string): string {
  const { name, digest } = referenceParts(ref);
  if (tag.includes(':')) return `${name}@${tag}`;
  return digest === undefined ? `${name}:${tag}` : `${name}:${tag}@${digest}`;
}

/**
 * A pull (`fromImage`, `tag`), as PullImage reads them: one trailing `:` of `fromImage` is
 * trimmed (what `docker pull -a` may send); a `tag` that is a digest replaces tag and digest
 * (`name@digest`); another `tag` replaces the tag, a digest staying (dockerd then pulls by the
 * digest); a name with neither tag nor digest pulls every tag of the repository.
 */
export function pullReading(fromImage: string, tag: string | undefined): DaemonReading {
  const image = fromImage.endsWith(':') ? fromImage.slice(0, -1) : fromImage;
  if (tag) return { ref: withTag(image, tag) };
  const parts = referenceParts(image);
  return parts.tag === undefined && parts.digest === undefined ? { everyTag: image } : { ref: image };
}

/**
 * A push of image `name` with query `tag`, as PushImage reads them: a `tag` replaces the name's
 * (a digest staying: dockerd then pushes the digest's image under the tag); a name with
 * neither tag nor digest pushes every local tag of the repository.
 */
export function pushReading(name: string, tag: string | undefined): DaemonReading {
  if (tag) return { ref: withTag(name, tag) };
  const parts = referenceParts(name);
  return parts.tag === undefined && parts.digest === undefined ? { everyTag: name } : { ref: name };
}

/**
 * The name a tag request (`repo`, `tag`) writes, as TagImage reads them: a `tag` replaces the
 * tag and drops any digest of `repo` (reference.TrimNamed); without one, `repo` as given (with a
 * digest dockerd refuses it).
 */
export function tagTarget(repo: string, tag: string | undefined): string {
  return tag ? withTag(referenceParts(repo).name, tag) : repo;
}

/**
 * The name a commit or import (`repo`, `tag`) writes: a `tag` replaces the tag; a digest stays,
 * and dockerd refuses to write such a name.
 */
export function namedTarget(repo: string, tag: string | undefined): string {
  return tag ? withTag(repo, tag) : repo;
}

/**
 * True when `ref` has both a tag and a digest: dockerd acts on the digest alone. What follows
 * an `@` that is no digest (`user:pw@host/x`, a userinfo) makes no such reference: dockerd
 * refuses it as malformed, as it refuses a digest go-digest does not accept (isDigest: another
 * algorithm, another length, upper-case hex), so neither reads as one here.
 */
export function tagBesideDigest(ref: string): boolean {
  const parts = referenceParts(ref);
  return parts.tag !== undefined && parts.digest !== undefined && isDigest(parts.digest);
}

/** `ref` without its digest (`name:tag`): the tag a push of `name:tag@digest` writes in the registry. */
export function withoutDigest(ref: string): string {
  const { name, tag } = referenceParts(ref);
  return tag === undefined ? name : `${name}:${tag}`;
}
