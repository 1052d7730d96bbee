/**
 * The gateway-wide cap on streams per identity (`limits.streamsPerIdentity`), with or without
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
