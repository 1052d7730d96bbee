/**
 * How many request-body bytes the gateway holds for inspection at once, in all and per client
 * identity. An inspected body is buffered whole before the decision (up to `limits.bodyBytes`);
 * without a bound, one client with many slow bodies open made the gateway hold N times that
 * (300 connections of 4 MiB: 1.3 GB), whatever the policy let it do.
 *
 * A body's declared length counts against its identity's share from its headers on, so one
 * identity cannot announce more than its share; only bytes that have arrived count against the
 * gateway-wide bound, so that announcing bodies and sending nothing (which costs the gateway
 * no memory) cannot fill it for everyone.
 */
import { GatewayError } from '../http/gateway-error.js';

/** The bytes one request holds: taken as its body is announced and arrives, given back once. */
export interface BodyHold {
  /** The body's declared length: taken from the identity's share (429 over it). */
  declare(n: number): void;
  /** `n` more bytes arrived: taken from the gateway's bound (503 over it), and from the identity's share beyond what was declared. */
  take(n: number): void;
  /** Give back everything taken. Later calls do nothing. */
  release(): void;
}

/** The gateway-wide account of buffered request bodies. */
export class BodyBudget {
  private used = 0;
  private readonly byIdentity = new Map<string, number>();

  constructor(
    /** Most bytes held for all clients together (`limits.bufferedBodyBytes`). */
    readonly totalBytes: number,
    /** Most bytes held or announced for one identity (`limits.bufferedBodyBytesPerIdentity`). */
    readonly perIdentityBytes: number,
  ) {}

  /** Bytes that have arrived and are held now, in all. */
  get held(): number {
    return this.used;
  }

  /**
   * True once half the gateway-wide bound is held: requests the policy denies whatever their
   * body are then refused before their body is read, so only bodies that may be allowed can
   * fill the rest.
   */
  get underPressure(): boolean {
    return this.used * 2 >= this.totalBytes;
  }

  /** Bytes held or announced for `identity` now. */
  heldFor(identity: string): number {
    return this.byIdentity.get(identity) ?? 0;
  }

  /** Open the account of one request by `identity` (a certificate's CN). */
  hold(identity: string): BodyHold {
    // What this request holds of the identity's share and of the total, and what has arrived.
    let share = 0;
    let total = 0;
    let arrived = 0;
    let released = false;
    const takeShare = (n: number): void => {
      const theirs = this.heldFor(identity);
      if (theirs + n > this.perIdentityBytes) {
        throw new GatewayError('identity-body-budget', `dockgate: your requests' bodies being read at once would exceed ${this.perIdentityBytes} bytes (limits.bufferedBodyBytesPerIdentity); retry once the others are done`);
      }
      this.byIdentity.set(identity, theirs + n);
      share += n;
    };
    return {
      declare: (n) => {
        if (!released) takeShare(n);
      },
      take: (n) => {
        if (released) return;
        arrived += n;
        if (arrived > share) takeShare(arrived - share);
        if (this.used + n > this.totalBytes) {
          throw new GatewayError('body-budget', `dockgate: the gateway is reading too many request bodies at once (limits.bufferedBodyBytes); retry shortly`);
        }
        this.used += n;
        total += n;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= total;
        const left = this.heldFor(identity) - share;
        if (left > 0) this.byIdentity.set(identity, left);
        else this.byIdentity.delete(identity);
      },
    };
  }
}
