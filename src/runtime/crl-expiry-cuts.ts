/**
 * Open connections of a CA whose CRL in force has expired are closed, as `crl-expired`
 * (connection-cuts.ts): OpenSSL refuses every new handshake of that CA past the CRL's nextUpdate
 * (CRL_HAS_EXPIRED), and the reason to fail closed, that the CRL may lack revocations made
 * since, holds for the connections already open too (rev-reload F3). Checked after every TLS
 * reload (one that installs an expired CRL) and by a timer at the next nextUpdate of the CRLs in
 * force (looked at again at least once a minute, so a wall clock stepped forward is noticed;
 * every minute too while a CRL in force has expired). A handshake that began before the reload
 * and completes after it is refused by the listener itself (gateway-server.ts, expiredCrlOfChain).
 */
import type { TLSSocket } from 'node:tls';
import type { Identity } from '../core/types.js';
import { cutConnection } from '../server/connection-cuts.js';
import { identityOf } from '../server/peer-identity.js';
import { expiredCrlOfChain } from '../server/crl-expired-chain.js';
import { nextCheckIn, RECHECK_MS } from '../server/connection-expiry.js';
import { peerDer } from '../server/revoked.js';
import type { TlsMaterial } from '../server/tls-material.js';
import { expiredCrlCas, nextCrlExpiry } from './crl-lockouts.js';

/**
 * Cut every connection in `connections` whose chain has a CA of `tls` whose CRL in force has
 * expired at `now`. Returns how many; `closing` hears of each (its identity; undefined for a
 * connection without one, which cannot be checked and is cut).
 */
export function closeCrlExpiredConnections(connections: Iterable<TLSSocket>, tls: Pick<TlsMaterial, 'crls' | 'caNames'>, now: Date, closing?: (identity: Identity | undefined) => void): number {
  if (expiredCrlCas(tls.crls, now).size === 0) return 0;
  let closed = 0;
  for (const socket of connections) {
    if (socket.destroyed) continue;
    const identity = identityOf(socket);
    if (identity && !expiredCrlOfChain(identity, tls, now, peerDer(socket, identity))) continue;
    closing?.(identity);
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
    const count = closeCrlExpiredConnections(deps.connections(), tls, at, (identity) => {
      const key = identity ? `${identity.name} (serial ${identity.serial})` : '(no identity)';
      cut.set(key, (cut.get(key) ?? 0) + 1);
    });
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
