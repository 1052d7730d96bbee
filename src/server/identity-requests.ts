/**
 * The gateway-wide cap on the other forwarded requests per identity
 * (`limits.requestsPerIdentity`): from the moment a request is forwarded until its exchange ends
 * (the answer relayed, or given up). Each holds a client connection and a daemon connection;
 * without a cap, one identity with a read-only certificate held thousands (16 pipelined
 * requests per connection to a slow endpoint such as `stats?stream=0`, or answers it never
 * read) and used up the gateway's descriptors: others got 502 and resets. A hung daemon holds
 * at most this many per identity too.
 */
import type { Identity } from '../core/types.js';
import { GatewayError } from '../http/gateway-error.js';
import { StreamCounter } from '../tenancy/stream-counter.js';

/** Takes and gives back request slots per identity. */
export class IdentityRequests {
  private readonly counter = new StreamCounter();

  constructor(
    /** `limits.requestsPerIdentity`. */
    readonly max: number,
  ) {}

  /** A slot for one request: the function that gives it back. Throws GatewayError 429 when the identity has `max` in progress. */
  open(identity: Identity): () => void {
    const close = this.counter.tryOpen(identity.name, this.max);
    if (!close) {
      throw new GatewayError('identity-request-limit', `dockgate: ${this.max} requests of yours are already in progress (limits.requestsPerIdentity); wait for one to finish`);
    }
    return close;
  }
}
