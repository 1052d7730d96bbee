/**
 * Open connections of a CA whose CRL in force has expired are closed, as `crl-expired`
 * (connection-cuts.ts): OpenSSL refuses every new handshake of that CA past the CRL's nextUpdate
 * (CRL_HAS_EXPIRED), and the reason to fail closed, that the CRL may lack revocations made
 * since, holds for the connections already open too (rev-reload F3). Checked after every TLS
 * reload (one that installs an expired CRL) and by a timer at the next nextUpdate of the CRLs in
 * force (looked at again at least once a minute, so a wall clock stepped forward is noticed;
 * every minute too while a CRL in force has expired). A handshake that began before the reload
 * and completes after it is refused by the listener itself (gateway-server.ts, expiredCrlOfChain).
 * The admin listener's connections the same way, with its own watch (admin-crl-expiry.ts).
 */
import type { TLSSocket } from 'node:tls';
import { cutConnection } from '../server/connection-cuts.js';
import { identityOf } from '../server/peer-identity.js';
import { expiredCrlOfChain } from '../server/crl-expired-chain.js';
import { nextCheckIn, RECHECK_MS } from '../server/connection-expiry.js';
import { peerDer } from '../server/revoked.js';
import type { TlsMaterial } from '../server/tls-material.js';
import { expiredCrlCas, nextCrlExpiry } from './crl-lockouts.js';

/** What the CRL check needs of an open connection's client certificate, and how a sweep names it. */
export interface ConnectionChain {
  /** The certificate's issuer as OpenSSL matches names (Identity.issuerKey). */
  issuerKey: string;
  /** Its DER, telling CAs of one name apart (revoked.ts chainIssuers); undefined when unknown. */
  der: () => Uint8Array | undefined;
  /** `<name> (serial <hex>)`, as the sweep's `certificates` counts it. */
  who: string;
}

/** A connection of the Docker listener: its chain from the identity bound at its handshake. */
function identityChain(socket: TLSSocket): ConnectionChain | undefined {
  const identity = identityOf(socket);
  return identity && { issuerKey: identity.issuerKey, der: peerDer(socket, identity), who: `${identity.name} (serial ${identity.serial})` };
}

/**
 * Cut every connection in `connections` whose chain has a CA of `tls` whose CRL in force has
 * expired at `now`. Returns how many; `closing` hears of each (its ConnectionChain.who;
 * undefined for a connection whose chain `chainOf` cannot tell, which cannot be checked and is
 * cut). `chainOf`: the Docker listener's identityChain unless given.
 */
export function closeCrlExpiredConnections(
  connections: Iterable<TLSSocket>,
  tls: Pick<TlsMaterial, 'crls' | 'caNames'>,
  now: Date,
  closing?: (who: string | undefined) => void,
  chainOf: (socket: TLSSocket) => ConnectionChain | undefined = identityChain,
): number {
  if (expiredCrlCas(tls.crls, now).size === 0) return 0;
  let closed = 0;
  for (const socket of connections) {
    if (socket.destroyed) continue;
    const chain = chainOf(socket);
    if (chain && !expiredCrlOfChain(chain, tls, now, chain.der)) continue;
    closing?.(chain?.who);
    cutConnection(socket, 'crl-expired');
    closed += 1;
  }
  return closed;
}

/** The watch of the CRLs in force: `check` after each TLS reload, `stop` at shutdown. */
export interface CrlExpiryWatch {
  /** Cut what the CRLs in force refuse now, and set the timer for the next nextUpdate. */
  check(): void;
  stop(): void;
}

/**
 * Watch the CRLs of `material()` (read at each check): at every nextUpdate, close the open
 * connections of the CA whose CRL expired; `closed` hears how many, when any.
 */
export function watchCrlExpiry(deps: {
  material: () => Pick<TlsMaterial, 'crls' | 'caNames'>;
  connections: () => Iterable<TLSSocket>;
  closed: (count: number, certificates: string[]) => void;
  /** How a connection's chain is read (closeCrlExpiredConnections); the Docker listener's identityChain unless given. */
  chainOf?: (socket: TLSSocket) => ConnectionChain | undefined;
  now?: () => number;
}): CrlExpiryWatch {
  const now = deps.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    const at = new Date(now());
    const tls = deps.material();
    const cut = new Map<string, number>();
    const count = closeCrlExpiredConnections(
      deps.connections(),
      tls,
      at,
      (who) => {
        const key = who ?? '(no identity)';
        cut.set(key, (cut.get(key) ?? 0) + 1);
      },
      deps.chainOf,
    );
    if (count > 0) deps.closed(count, [...cut].slice(0, 50).map(([who, n]) => `${who}: ${n}`));
    // While a CRL in force has expired, looked at again every minute too: a connection of its CA
    // that got past the handshake's own check (none should) is cut within a minute.
    const next = nextCrlExpiry(tls.crls, at);
    const expired = expiredCrlCas(tls.crls, at).size > 0;
    if (next === undefined && !expired) return;
    timer = setTimeout(check, next === undefined ? RECHECK_MS : nextCheckIn(next, at.getTime()));
    timer.unref();
  };
  return {
    check,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
