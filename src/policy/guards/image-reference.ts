/**
 * Docker image references normalised as the daemon's reference parser does, so `busybox`,
 * `library/busybox:latest` and `docker.io/library/busybox:latest` are one image, and patterns
 * for the images guard.
 */

/** A normalised reference: `docker.io/library/busybox` plus tag and/or digest. */
export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/**
 * A reference split as dockerd's parser splits it: the repository name, a `:tag` when a colon
 * follows the last `/` (`localhost:5000/app` has none), and what follows the first `@`.
 */
export function referenceParts(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const named = at < 0 ? ref : ref.slice(0, at);
  const colon = named.lastIndexOf(':');
  const out: { name: string; tag?: string; digest?: string } = { name: colon > named.lastIndexOf('/') ? named.slice(0, colon) : named };
  if (colon > named.lastIndexOf('/')) out.tag = named.slice(colon + 1);
  if (at >= 0) out.digest = ref.slice(at + 1);
  return out;
}

/** Normalise a reference; undefined for an empty string. `latest` is implied without tag or digest. */
export function normalizeReference(ref: string, implyLatest = true): ImageReference | undefined {
  if (ref === '') return undefined;
  const parts = referenceParts(ref);
  const { name: rest, digest } = parts;
  let tag = parts.tag;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let domain = 'docker.io';
  let path = rest;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    path = rest.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (tag === undefined && digest === undefined && implyLatest) tag = 'latest';
  const out: ImageReference = { name: `${domain}/${path}` };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** Render a reference back to its canonical string. */
export function formatReference(r: ImageReference): string {
  return `${r.name}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** A compiled image pattern. */
export type ImageMatcher = (ref: ImageReference) => boolean;

/** A matcher for `pattern`, where `*` stands for any characters (none included). */
function glob(pattern: string): (value: string) => boolean {
  const parts = pattern.split('*');
  const first = parts[0] as string;
  if (parts.length === 1) return (value) => value === first;
  const last = parts[parts.length - 1] as string;
  const middle = parts.slice(1, -1);
  // Without backtracking (a RegExp of `.*`s is quadratic or worse on a long name): the first
  // part is a prefix, the last a suffix, and each part between is taken at its leftmost
  // place after the one before, which finds a match whenever there is one.
  return (value) => {
    if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
    const end = value.length - last.length;
    let at = first.length;
    for (const part of middle) {
      const found = value.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

/**
 * True when a `*` stands in the pattern's registry part (`*.example.com/*`, `registry*:5000/x`).
 * Such a `*` also matches `/`, so the pattern allows names from any registry and any Docker
 * Hub namespace (`evil.io/x.example.com/y`): worth a warning, not an error (`*` alone, every
 * image, says what it means and is not one).
 */
export function starInRegistry(pattern: string): boolean {
  if (pattern === '*') return false;
  const p = normalizeReference(pattern, false);
  return p !== undefined && p.name.slice(0, p.name.indexOf('/')).includes('*');
}

/**
 * The reference as dockerd acts on it: with a digest, the tag is dropped. dockerd's reference
 * store looks `name:tag@digest` up by `name@digest` alone (and stores it so: favorDigest),
 * pulls fetch the manifest by digest, and swarm runs what the digest names: the tag is
 * decoration a client may set to anything.
 */
export function actedOn(ref: ImageReference): ImageReference {
  return ref.digest === undefined || ref.tag === undefined ? ref : { name: ref.name, digest: ref.digest };
}

/**
 * Compile a pattern: a reference where `*` matches any characters (including `/`), normalised
 * like a reference; without a tag or digest it matches every tag and digest of the name.
 * `*` alone matches every image. Pattern and reference are both read as dockerd acts on them
 * (actedOn): a reference with a digest has no tag to match, so a pattern with a tag never
 * matches it, and a pattern with a digest matches that digest whatever tag either spells.
 */
export function compileImagePattern(pattern: string): ImageMatcher {
  if (pattern === '*') return () => true;
  const parsed = normalizeReference(pattern, false);
  if (!parsed) return () => false;
  const p = actedOn(parsed);
  const name = glob(p.name);
  const tag = p.tag !== undefined ? glob(p.tag) : undefined;
  return (ref) => {
    const r = actedOn(ref);
    return name(r.name) && (tag === undefined || (r.tag !== undefined && tag(r.tag))) && (p.digest === undefined || r.digest === p.digest);
  };
}

/**
 * Compile a pattern as the test whether it allows every tag of a repository name (normalised,
 * `docker.io/library/app`): `*` alone, or a pattern whose name matches with no digest and no
 * tag or a tag of `*`s only (`app`, `app:*`). What a name-only pull or push (`docker pull -a`,
 * `docker push -a`), which acts on every tag, needs.
 */
export function compileEveryTagPattern(pattern: string): (name: string) => boolean {
  if (pattern === '*') return () => true;
  const p = normalizeReference(pattern, false);
  if (!p || p.digest !== undefined || (p.tag !== undefined && !/^\*+$/.test(p.tag))) return () => false;
  const name = glob(p.name);
  return (value) => name(value);
}
