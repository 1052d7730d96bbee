/**
 * Every key a config file may have, by the mapping it sits in. The loader (load.ts, and the
 * sections it reads with tls-section.ts and admin-section.ts) refuses any other; README's
 * configuration table has a row for each (test/unit/docs/config-keys-documented).
 */
import { TOP_KEYS } from './top-level.js';

/** Keys of `tls:`, the Docker API listener's TLS files. */
export const TLS_KEYS = ['ca', 'cert', 'key', 'crl', 'partialChain'] as const;
/** Keys of `admin:` when it is a mapping. */
export const ADMIN_KEYS = ['listen', 'tls'] as const;
/** Keys of `admin.tls:`. */
export const ADMIN_TLS_KEYS = ['cert', 'key', 'ca', 'crl'] as const;
/** Keys of `audit:`. */
export const AUDIT_KEYS = ['file'] as const;
/** Keys of `metrics:`. */
export const METRICS_KEYS = ['identityLabel'] as const;
/** Keys of `limits:`, each a positive integer with its default in defaults.ts DEFAULTS. */
export const LIMITS_KEYS = [
  'bodyBytes', 'bufferedBodyBytes', 'bufferedBodyBytesPerIdentity', 'streamsPerIdentity', 'requestsPerIdentity',
  'handshakesPerSource', 'handshakeFailuresPerSource', 'headersTimeoutMs', 'bodyTimeoutMs', 'streamedBodyIdleMs',
  'keepAliveTimeoutMs', 'shutdownGraceMs',
] as const;

/** The keys of each mapping, by its dotted path (`''` for the top level, `admin.tls`). */
export const CONFIG_SECTIONS: Readonly<Record<string, readonly string[]>> = {
  '': TOP_KEYS,
  tls: TLS_KEYS,
  admin: ADMIN_KEYS,
  'admin.tls': ADMIN_TLS_KEYS,
  audit: AUDIT_KEYS,
  metrics: METRICS_KEYS,
  limits: LIMITS_KEYS,
};

/** Every key a config file may set, as a dotted path (`listen`, `tls`, `tls.ca`, `admin.tls.crl`). */
export function configKeyPaths(): string[] {
  return Object.entries(CONFIG_SECTIONS).flatMap(([at, keys]) => keys.map((k) => (at === '' ? k : `${at}.${k}`)));
}
