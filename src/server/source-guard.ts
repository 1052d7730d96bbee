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
import { canonicalIp } from '../core/canonical-ip.js';

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

/** A source that has just been blocked: its key and the failures (by reason) that did it. */
export interface SourceBlock {
  source: string;
  /** Failures within the last window (the sliding count that passed the limit). */
  failures: number;
  /** Reasons of the failures of the current window and the one before (up to two windows). */
  reasons: Record<string, number>;
}

/** The per-source bookkeeping of the Docker listener. */
export interface SourceGuard {
  /** A TCP connection from `address` arrived: undefined when its handshake may start (and is counted as in progress). */
  arrive(address: string | undefined): SourceRefusal | undefined;
  /** A handshake counted by `arrive` ended (verified, failed, or the connection closed). */
  settled(address: string | undefined): void;
  /** A handshake from `address` was refused for `reason`. Returns the block when this failure starts one. */
  failed(address: string | undefined, reason: string): SourceBlock | undefined;
}

interface SourceState {
  inProgress: number;
  /** Start of the current window; failures of the window before it still count, fading (a sliding window). */
  windowStart: number;
  failures: number;
  previousFailures: number;
  reasons: Record<string, number>;
  /** The previous window's reasons, reported with a block its failures helped start. */
  previousReasons: Record<string, number>;
  blockedUntil: number;
  /** The estimated failures within the last window that started the block in force (reported while it lasts). */
  blockedFailures: number;
}

/** The key of an address: itself for IPv4, its first four groups (the /64) for IPv6, with its zone. */
export function sourceKey(address: string): string {
  if (address.startsWith('::ffff:') && !address.slice(7).includes(':')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const percent = address.indexOf('%');
  const zone = percent < 0 ? '' : address.slice(percent);
  const bare = percent < 0 ? address : address.slice(0, percent);
  const groups = (canonicalIp(bare) ?? bare).split(':');
  return `${groups.slice(0, 4).join(':')}::/64${zone}`;
}

/** A guard with `limits`; `clock` for tests. */
export function createSourceGuard(limits: SourceGuardLimits, clock: () => number = Date.now): SourceGuard {
  // A Map keeps insertion order: touching an entry re-inserts it, so the first is the stalest.
  const sources = new Map<string, SourceState>();

  /** Make room: forget the stalest source that is neither blocked nor mid-handshake, else the stalest unblocked one. */
  function evictOne(now: number): void {
    let fallback: string | undefined;
    for (const [k, s] of sources) {
      if (s.blockedUntil > now) continue;
      if (s.inProgress === 0) {
        sources.delete(k);
        return;
      }
      fallback ??= k;
    }
    // Every source blocked or busy: a blocked one is kept (forgetting it would lift its block).
    if (fallback !== undefined) sources.delete(fallback);
  }

  function entry(key: string): SourceState | undefined {
    let state = sources.get(key);
    if (state) sources.delete(key);
    else {
      const now = clock();
      if (sources.size >= limits.maxSources) evictOne(now);
      // Still full (all blocked): this source is not tracked; it is not refused for that.
      if (sources.size >= limits.maxSources) return undefined;
      state = { inProgress: 0, windowStart: now, failures: 0, previousFailures: 0, reasons: {}, previousReasons: {}, blockedUntil: 0, blockedFailures: 0 };
    }
    sources.set(key, state);
    return state;
  }

  function forgetIfIdle(key: string, state: SourceState): void {
    if (state.inProgress === 0 && state.failures === 0 && state.previousFailures === 0 && state.blockedUntil <= clock()) sources.delete(key);
  }

  return {
    arrive(address) {
      if (address === undefined) return undefined;
      const state = entry(sourceKey(address));
      if (!state) return undefined;
      const now = clock();
      if (state.blockedUntil > now) return { kind: 'blocked', untilMs: state.blockedUntil, failures: state.blockedFailures };
      if (state.inProgress >= limits.handshakesInProgress) return { kind: 'busy', inProgress: state.inProgress };
      state.inProgress += 1;
      return undefined;
    },
    settled(address) {
      if (address === undefined) return;
      const key = sourceKey(address);
      const state = sources.get(key);
      if (!state) return;
      state.inProgress = Math.max(0, state.inProgress - 1);
      forgetIfIdle(key, state);
    },
    failed(address, reason) {
      if (address === undefined) return undefined;
      const key = sourceKey(address);
      const state = entry(key);
      if (!state) return undefined;
      const now = clock();
      const windows = Math.floor((now - state.windowStart) / limits.windowMs);
      if (windows >= 1) {
        state.previousFailures = windows === 1 ? state.failures : 0;
        state.previousReasons = windows === 1 ? state.reasons : {};
        state.failures = 0;
        state.reasons = {};
        state.windowStart += windows * limits.windowMs;
      }
      state.failures += 1;
      state.reasons[reason] = (state.reasons[reason] ?? 0) + 1;
      // The last windowMs: this window's failures and the share of the previous window's still inside it.
      const recent = state.failures + state.previousFailures * (1 - (now - state.windowStart) / limits.windowMs);
      if (recent > limits.failures && state.blockedUntil <= now) {
        state.blockedUntil = now + limits.blockMs;
        state.blockedFailures = Math.round(recent);
        const reasons = { ...state.previousReasons };
        for (const [r, n] of Object.entries(state.reasons)) reasons[r] = (reasons[r] ?? 0) + n;
        return { source: key, failures: Math.round(recent), reasons };
      }
      return undefined;
    },
  };
}
