/**
 * Bounded metric label values. Every label a request can influence goes through one of these,
 * so no client can grow the number of time series: values are reduced to a fixed set or to a
 * sanitised token, and each label has a cap on distinct values after which it reads `other`.
 */

/** Label value for a request whose route dockerd would not know. */
export const UNKNOWN = 'unknown';
/** Label value once a label has reached its cap of distinct values. */
export const OTHER = 'other';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);

/** HTTP method as a label: the standard methods, anything else `OTHER`. */
export function methodLabel(method: string): string {
  const m = method.toUpperCase();
  return METHODS.has(m) ? m : 'OTHER';
}

/** Status class: `101` for upgrades (hijacks), `1xx`..`5xx`, `none` when nothing was sent. */
export function statusClass(status: number): string {
  if (status === 101) return '101';
  if (!Number.isInteger(status) || status < 100 || status > 599) return 'none';
  return `${Math.floor(status / 100)}xx`;
}

/**
 * A label whose values come from a table or a config file (operation, rule, reason code,
 * identity): each value is reduced to a safe token and the set of distinct values is capped.
 */
export interface BoundedLabel {
  /** The label value to use for `raw` (undefined or empty gives `unknown`). */
  value(raw: string | undefined): string;
}

/** Characters kept as they are in label values; every other one is percent-encoded. */
const UNSAFE = /[^A-Za-z0-9_.:@/+-]/gu;

/**
 * `raw` as a label token: its first `maxLength` characters (code points), each one outside
 * `[A-Za-z0-9_.:@/+-]` written as `%XX` per byte of its UTF-8 (`%` itself as `%25`). The
 * encoding is one-to-one, so two names never share a series: when every such character became
 * `_`, `Jörg` and `Jürg` (and `alice_x` and `alice<NUL>x`) were one series, and one client's
 * certificate expiry showed the other's (rev-identity F3).
 */
export function labelToken(raw: string, maxLength: number): string {
  // No more UTF-16 units than maxLength: no more code points either, nothing to cut (the common case, without an array of its characters).
  const head = raw.length <= maxLength ? raw : Array.from(raw).slice(0, maxLength).join('');
  return head.replace(UNSAFE, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** Create a bounded label with at most `cap` distinct values (plus `unknown` and `other`). */
export function boundedLabel(cap: number, maxLength = 64): BoundedLabel {
  const seen = new Set<string>();
  return {
    value(raw) {
      if (raw === undefined || raw === '') return UNKNOWN;
      const token = labelToken(raw, maxLength);
      if (seen.has(token)) return token;
      if (seen.size >= cap) return OTHER;
      seen.add(token);
      return token;
    },
  };
}

/**
 * Free-form names (certificate names, the policy version) reduced like every other label: 128
 * characters (as the identity label, so a client's expiry series and its requests match), then
 * everything but `[A-Za-z0-9_.:@/+-]` is percent-encoded (labelToken). Quotes, braces, controls and bidi overrides
 * from a CN a corporate CA signed never reach /metrics. Their number is bounded elsewhere.
 */
export function nameLabel(name: string): string {
  const clean = labelToken(name, 128);
  return clean === '' ? UNKNOWN : clean;
}
