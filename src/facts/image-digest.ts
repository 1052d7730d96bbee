/**
 * Image digests as dockerd (20.10) accepts them: distribution/reference's grammar allows any
 * `algorithm:hex` with 32 hex digits or more, but its Parse then validates the digest with
 * go-digest (v1.0.0), which knows sha256, sha384 and sha512 only and wants each's exact length
 * in lower-case hex (64, 96 and 128 digits). Anything else after an `@` is no digest: dockerd
 * refuses the reference (`invalid reference format`, `unsupported digest algorithm`). Pure.
 */

/** Hex digits of each digest algorithm dockerd accepts. */
const ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * Regular-expression source matching one digest (no anchors, no groups that capture), with
 * `colon` as the separator's source: `:` by default, `(?::|%3[Aa])` for a raw request target.
 */
export function digestPattern(colon = ':'): string {
  return `(?:${Object.entries(ALGORITHMS).map(([name, hex]) => `${name}${colon}[0-9a-f]{${hex}}`).join('|')})`;
}

const ANCHORED = new RegExp(`^${digestPattern()}$`);

/** True when `value` is a digest dockerd accepts (`sha256:` and 64 lower-case hex digits, ...). */
export function isDigest(value: string): boolean {
  return ANCHORED.test(value);
}
