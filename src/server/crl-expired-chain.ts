/**
 * Whether a client's chain goes through a CA whose CRL in force has expired: OpenSSL refuses
 * such a handshake (CRL_HAS_EXPIRED), and the gateway applies the same test to what OpenSSL did
 * not check against the CRL in force: open connections (crl-expiry-cuts.ts) and a handshake
 * that began before the reload that installed the expired CRL (gateway-server.ts).
 */
import type { Identity } from '../core/types.js';
import { expiredCrlCas } from '../runtime/crl-lockouts.js';
import { chainIssuers } from './revoked.js';
import type { TlsMaterial } from './tls-material.js';

/**
 * The CRL in force (its issuer) that has expired at `now` for a CA of the identity's chain, or
 * undefined when none has. The chain as chainIssuers finds it (`der`: the client certificate,
 * telling CAs of one name apart). Pure.
 */
export function expiredCrlOfChain(
  identity: Pick<Identity, 'issuerKey'>,
  tls: Pick<TlsMaterial, 'crls' | 'caNames'>,
  now: Date,
  der?: () => Uint8Array | undefined,
): { issuer: string; nextUpdate?: Date } | undefined {
  const expired = expiredCrlCas(tls.crls, now);
  if (expired.size === 0) return undefined;
  const ca = chainIssuers(identity, tls, der).find((c) => expired.has(c.ca));
  if (!ca) return undefined;
  const own = tls.crls.filter((c) => c.ca === ca.ca);
  const ends = own.flatMap((c) => (c.nextUpdate ? [c.nextUpdate.getTime()] : []));
  return { issuer: own[0]?.issuer ?? ca.subjectKey, nextUpdate: ends.length > 0 ? new Date(Math.max(...ends)) : undefined };
}
