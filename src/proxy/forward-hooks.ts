/**
 * What a forward tells its caller and is told by it: the per-request hooks (ForwardHooks), the
 * watch of a 200 answer (AnswerWatch), and how the daemon's side of a request whose client left
 * ended (DaemonSide). Types only; the forwarder (forwarder.ts) calls them.
 */
/** Per-request hooks the caller gets back from a forward. */
export interface ForwardHooks {
  /** The daemon's response headers arrived (status code given). */
  onHeaders(status: number): void;
  /** The exchange failed before or while talking to the daemon. */
  onError(kind: 'unreachable' | 'failed', err: Error): void;
  /**
   * A streamed body sent no byte for the forwarder's `streamedBodyIdleMs` while it waited for
   * one (body-idle.ts): the caller cuts the client connection, which drops the daemon request
   * as when a client leaves mid-body (`ended`). Absent: the client connection is destroyed.
   */
  onBodyIdle?(): void;
  /**
   * A streamed body's idle time counts only once this calls `start`: the `100 Continue` the
   * client waits for was written to its connection (BodyIdle.from). Absent: from the forward.
   */
  bodyIdleFrom?(start: () => void): void;
  /**
   * Set for a request that holds something until the daemon has acted on it (a quota lock, a
   * tag reservation). dockerd finishes a create, start, update or commit it has read even when
   * its connection closes, and an import it has read whole, so a client that leaves once the
   * whole request went to the daemon no longer drops the daemon request: `left` is called then
   * (from `ended`, before it returns), and `settled` once, when the daemon's side is over (see
   * DaemonSide; the answer is discarded). A request not yet handed over whole is still dropped
   * (dockerd then reads a broken-off body and gives up), and `settled` is called once its
   * daemon connection has closed.
   */
  untilAnswered?: {
    /**
     * A stream (a build, a pull, an import writing tags): settled when the daemon's answer has
     * ended, not when it begins. Its daemon connection is half-closed when the client leaves,
     * so dockerd sees the client go as it would directly: it cancels what it cancels then (a
     * build between steps, a pull) and finishes the rest (an import it has read whole).
     */
    toTheEnd: boolean;
    left(): void;
    settled(side: DaemonSide): void;
  };
  /**
   * Watches a 200 answer (tenancy's check of a build's result): see AnswerWatch. Set only with
   * `untilAnswered`, so that what the request holds waits for the watch also when the client
   * left first.
   */
  answerWatch?: AnswerWatch;
}

/**
 * Sees every piece of a 200 answer's body, in order, whether or not the client still reads
 * it, and is told once that it ended (`complete` false: it broke off). The client's answer
 * ends only once `ended` has resolved, after the bytes it resolves to (an error message added
 * to a stream); for a client that left, the request settles (untilAnswered) only then.
 */
export interface AnswerWatch {
  seen(chunk: Buffer): void;
  ended(complete: boolean): Promise<Buffer | undefined>;
}

/** How the daemon's side of a request whose client left ended (ForwardHooks.untilAnswered). */
export type DaemonSide =
  /** Its answer began (`toTheEnd`: ended) with `status`, and was discarded. */
  | { kind: 'answered'; status: number }
  /** The daemon request failed, or its connection closed before that. */
  | { kind: 'failed' }
  /** The request had not gone to the daemon whole: it was cut off, and its connection has closed. */
  | { kind: 'cut' };
