/**
 * Per-source limits on what a peer can make the gateway do before it has a verified
 * certificate. A TLS handshake is paid for on the gateway's one event-loop thread: a peer
 * sending 100 KB certificate chains from another CA costs some 20 ms of CPU per attempt, so
 * one source could otherwise stall every verified client. Each source may have a bounded
 * number of handshakes in progress, and a source whose handshakes keep failing has its new
 * connections closed on arrival, before any TLS work, for a while. Verified handshakes never
 * count against a source.
 *
 * A source is an IPv4 address, or the /64 prefix of an IPv6 address (one host can hold a whole
 * /64). The table is bounded: when full, the entry least recently touched makes room.
 */
import { isIPv6 } from 'node:net';

/** Limits of {@link createSourceGuard}. */
export interface SourceGuardLimits {
  /** Most handshakes one source may have in progress at once; more are closed on arrival. */
  handshakesInProgress: number;
  /** Failed handshakes one source may have within `windowMs` before it is blocked. */
  failures: number;
  /** The window failures are counted in (ms). */
  windowMs: number;
  /** How long a source over `failures` has its new connections closed (ms). */
  blockMs: number;
  /** Most sources tracked at once. */
  maxSources: number;
}

/** Defaults of the limits that are not configuration keys. */
export const SOURCE_GUARD_TIMING = { windowMs: 10_000, blockMs: 30_000, maxSources: 10_000 } as const;

/** Why a new connection is refused, or undefined when it may proceed. */
export type SourceRefusal = { kind: 'blocked'; untilMs: number; failures: number } | { kind: 'busy'; inProgress: number };

/** The per-source bookkeeping of the Docker listener. */
export interface SourceGuard {
  /** A TCP connection from `address` arrived: undefined when its handshake may start (and is counted as in progress). */
  arrive(address: string | undefined): SourceRefusal | undefined;
  /** A handshake counted by `arrive` ended (verified, failed, or the connection closed). */
  settled(address: string | undefined): void;
  /** A handshake from `address` failed. Returns true when this failure blocks the source. */
  failed(address: string | undefined): boolean;
  /** Sources currently blocked (for the metric). */
  blocked(): number;
}

interface SourceState {
  inProgress: number;
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/** The key of an address: itself for IPv4, its first four groups (the /64) for IPv6. */
export function sourceKey(address: string): string {
  if (address.startsWith('::ffff:') && !address.slice(7).includes(':')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (g.replace(/^0+(?=.)/, '') || '0').toLowerCase())
    .join(':')}::/64`;
}

/** A guard with `limits`; `clock` for tests. */
export function createSourceGuard(limits: SourceGuardLimits, clock: () => number = Date.now): SourceGuard {
  // A Map keeps insertion order: touching an entry re-inserts it, so the first is the stalest.
  const sources = new Map<string, SourceState>();

  function entry(address: string): SourceState {
    const key = sourceKey(address);
    let state = sources.get(key);
    if (state) sources.delete(key);
    else {
      state = { inProgress: 0, windowStart: clock(), failures: 0, blockedUntil: 0 };
      if (sources.size >= limits.maxSources) {
        // Prefer to forget a source with nothing in progress.
        for (const [k, s] of sources) {
          if (s.inProgress === 0) {
            sources.delete(k);
            break;
          }
        }
        if (sources.size >= limits.maxSources) sources.delete(sources.keys().next().value as string);
      }
    }
    sources.set(key, state);
    return state;
  }

  function forgetIfIdle(address: string, state: SourceState): void {
    if (state.inProgress === 0 && state.failures === 0 && state.blockedUntil <= clock()) sources.delete(sourceKey(address));
  }

  return {
    arrive(address) {
      if (address === undefined) return undefined;
      const state = entry(address);
      const now = clock();
      if (state.blockedUntil > now) return { kind: 'blocked', untilMs: state.blockedUntil, failures: state.failures };
      if (state.inProgress >= limits.handshakesInProgress) return { kind: 'busy', inProgress: state.inProgress };
      state.inProgress += 1;
      return undefined;
    },
    settled(address) {
      if (address === undefined) return;
      const state = sources.get(sourceKey(address));
      if (!state) return;
      state.inProgress = Math.max(0, state.inProgress - 1);
      forgetIfIdle(address, state);
    },
    failed(address) {
      if (address === undefined) return false;
      const state = entry(address);
      const now = clock();
      if (now - state.windowStart >= limits.windowMs) {
        state.windowStart = now;
        state.failures = 0;
      }
      state.failures += 1;
      if (state.failures > limits.failures && state.blockedUntil <= now) {
        state.blockedUntil = now + limits.blockMs;
        return true;
      }
      return false;
    },
    blocked() {
      const now = clock();
      let n = 0;
      for (const s of sources.values()) if (s.blockedUntil > now) n += 1;
      return n;
    },
  };
}
