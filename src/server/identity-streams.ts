/**
 * Per-identity caps on what the gateway holds open for a client. The cap on streams per identity (`limits.streamsPerIdentity`), with or without
 * tenancy. Each open stream or hijacked session holds two of the gateway's file descriptors and
 * a daemon connection (dockerd keeps a goroutine, and for `logs -f` an inotify instance); without
 * a cap one identity could hold them by the thousand and leave no descriptors for anyone. The
 * same requests count as for tenancy's `streams` quota (src/tenancy/stream-requests.ts).
 */
import type { Identity, RequestFacts } from '../core/types.js';
import { GatewayError } from '../http/gateway-error.js';
import { StreamCounter } from '../tenancy/stream-counter.js';
import { holdsStream } from '../tenancy/stream-requests.js';

/** Takes and gives back stream slots per identity. */
export class IdentityStreams {
  private readonly counter = new StreamCounter();

  constructor(
    /** `limits.streamsPerIdentity`. */
    readonly max: number,
  ) {}

  /**
   * A slot for `facts` if it holds a stream: the function that gives it back (undefined when the
   * request holds none). Throws GatewayError 429 when the identity has `max` open.
   */
  open(identity: Identity, facts: RequestFacts): (() => void) | undefined {
    if (!holdsStream(facts)) return undefined;
    const close = this.counter.tryOpen(identity.name, this.max);
    if (!close) {
      throw new GatewayError('identity-stream-limit', `dockgate: ${this.max} streams of yours are already open (limits.streamsPerIdentity); close one first`);
    }
    return close;
  }

  /** Streams open for `identity` now. */
  count(identity: Identity): number {
    return this.counter.count(identity.name);
  }
}

/**
 * The gateway-wide cap on the other forwarded requests per identity
 * (`limits.requestsPerIdentity`): from the moment a request is forwarded until its exchange ends
 * (the answer relayed, or given up). Each holds a client connection and a daemon connection;
 * without a cap, one identity with a read-only certificate held thousands (16 pipelined
 * requests per connection to a slow endpoint such as `stats?stream=0`, or answers it never
 * read) and used up the gateway's descriptors: others got 502 and resets. A hung daemon holds
 * at most this many per identity too.
 */
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
