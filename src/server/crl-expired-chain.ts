/**
 * Whether a client's chain goes through a CA whose CRL in force has expired: OpenSSL refuses
 * such a handshake (CRL_HAS_EXPIRED), and the gateway applies the same test to what OpenSSL did
 * not check against the CRL in force: open connections (crl-expiry-cuts.ts) and a handshake
 * that began before the reload that installed the expired CRL, or before the CRL in force reached
 * its nextUpdate (gateway-server.ts, admin-crl-expiry.ts).
 */
import { commandName } from '../core/command-name.js';
import type { Identity } from '../core/types.js';
import { expiredCrlCas } from '../runtime/crl-lockouts.js';
import { CRL_LISTENERS, type CrlListener } from './crl-listeners.js';
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

/**
 * The `tls-handshake-failed` detail of a handshake refused as it completes because `expired`
 * (expiredCrlOfChain), the CRL in force of a CA of its chain, has expired: OpenSSL verified the
 * chain against a CRL valid then. Either the CRL in force reached its nextUpdate while the
 * handshake was in progress, or a reload installed it, already expired, meanwhile: whether its
 * nextUpdate came before `installedAt` (when the material in force was put in force) tells which.
 * Pure.
 */
export function expiredCrlRefusal(expired: { issuer: string; nextUpdate?: Date }, installedAt: Date, listener: CrlListener): string {
  const { file, peers } = CRL_LISTENERS[listener];
  const since = expired.nextUpdate ? ` since ${expired.nextUpdate.toISOString()}` : '';
  const installedExpired = expired.nextUpdate !== undefined && expired.nextUpdate.getTime() <= installedAt.getTime();
  const what = installedExpired ? 'it was installed while this handshake was in progress' : 'it reached its nextUpdate while this handshake was in progress';
  return `client certificate not verified: CRL_HAS_EXPIRED (the CRL in force of ${expired.issuer}, a CA of its chain, has expired${since}; ${what}: a problem with the gateway's ${file}, every ${peers} of that CA is refused until a CRL valid now is installed, "${commandName()} certs crl")`;
}
