/**
 * How many request-body bytes the gateway holds for inspection at once, in all and per client
 * identity. An inspected body is buffered whole before the decision (up to `limits.bodyBytes`);
 * without a bound, one client with many slow bodies open made the gateway hold N times that
 * (300 connections of 4 MiB: 1.3 GB), whatever the policy let it do.
 */
import { GatewayError } from '../http/gateway-error.js';

/** The bytes one request holds: taken as its body arrives, given back once (by `release`). */
export interface BodyHold {
  /** Take `n` more bytes; throws GatewayError (429 or 503) when that would go over a bound. */
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
    /** Most bytes held for one identity (`limits.bufferedBodyBytesPerIdentity`). */
    readonly perIdentityBytes: number,
  ) {}

  /** Bytes held now, in all. */
  get held(): number {
    return this.used;
  }

  /** Open the account of one request by `identity` (a certificate's CN). */
  hold(identity: string): BodyHold {
    let mine = 0;
    let released = false;
    return {
      take: (n) => {
        const theirs = this.byIdentity.get(identity) ?? 0;
        if (theirs + n > this.perIdentityBytes) {
          throw new GatewayError('identity-body-budget', `dockgate: your requests' bodies being read at once would exceed ${this.perIdentityBytes} bytes (limits.bufferedBodyBytesPerIdentity); retry once the others are done`);
        }
        if (this.used + n > this.totalBytes) {
          throw new GatewayError('body-budget', `dockgate: the gateway is reading too many request bodies at once (limits.bufferedBodyBytes); retry shortly`);
        }
        this.used += n;
        this.byIdentity.set(identity, theirs + n);
        mine += n;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= mine;
        const left = (this.byIdentity.get(identity) ?? 0) - mine;
        if (left > 0) this.byIdentity.set(identity, left);
        else this.byIdentity.delete(identity);
      },
    };
  }
}
