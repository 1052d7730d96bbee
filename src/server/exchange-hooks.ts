/**
 * The forwarder's hooks of one allowed request on the normal path, and the count of its streamed
 * body. A forwarded request keeps its hooks until its answer ends (an idle `/events` stream: for
 * hours); hooks made as closures inside decideAndForward kept that function's whole scope alive
 * with them (the facts, the plan, the inspected body, the refusal and look-up closures, and the
 * request pipeline's scopes behind them), so they are made here and hold only what they use
 * (docs/benchmarks.md, "Idle streams on a fresh gateway").
 */
import type { IncomingMessage } from 'node:http';
import type { EndedBy, Observer } from '../core/observer.js';
import type { AnswerWatch, DaemonSide, ForwardHooks } from '../proxy/forward-hooks.js';
import { noteStreamed } from '../proxy/stream-buffer-pacing.js';
import { errorCode } from '../proxy/upstream-errors.js';
import type { DaemonApiRange } from '../runtime/daemon-api-range.js';
import { cutConnection, cutReason } from './connection-cuts.js';
import type { Exchange } from './exchange.js';
import { afterContinue } from './expect-continue.js';

/**
 * What the record of a request whose client went says of the daemon's side
 * (ForwardHooks.untilAnswered); `cut` when the gateway closed the client's connection itself.
 */
function clientLeft(side: DaemonSide, streaming: boolean, cut: EndedBy | undefined): string {
  const gone = cut ? `the gateway closed the client connection (${cut})` : 'the client left';
  if (side.kind === 'cut') return `${gone} before its request had gone to the daemon whole; the daemon request was cut off`;
  const before = streaming ? `${gone} before the end of the answer` : `${gone} before the answer`;
  if (side.kind === 'failed') return `${before}; the daemon request failed`;
  return streaming ? `${before}; the daemon answered ${side.status}, read to its end (discarded)` : `${before}; the daemon answered ${side.status} (discarded)`;
}

/**
 * ForwardHooks.untilAnswered of a request that holds something until the daemon has acted on it:
 * the exchange waits for the daemon when the client leaves, and ends when the daemon's side is over.
 */
export function untilAnsweredOf(exchange: Exchange, req: IncomingMessage, streaming: boolean): NonNullable<ForwardHooks['untilAnswered']> {
  return {
    toTheEnd: streaming,
    left: () => exchange.awaitDaemon(),
    settled: (side: DaemonSide) => exchange.daemonAnswered(clientLeft(side, streaming, cutReason(req.socket))),
  };
}

/** The listener that counts a streamed request body as it flows to the daemon (Exchange.bodyBytes). */
export function streamedBodyCounter(exchange: Exchange): (chunk: Buffer) => void {
  return (chunk) => {
    exchange.bodyBytes += chunk.length;
    noteStreamed(chunk.length);
  };
}

/** Where a forwarded exchange's hooks report, and what they hold until the exchange ends. */
export interface ExchangeHooksInput {
  exchange: Exchange;
  observer: Observer;
  /** Told when the daemon could not be reached: its API range may be stale (version-gate.ts). */
  apiRange: Pick<DaemonApiRange, 'notReached'>;
  req: IncomingMessage;
  /** The operation's name when it streams its answer (a stream is counted while it is open); else undefined. */
  streamName: string | undefined;
  /** Gives back the inspected body's share of the body budget, once the daemon's answer begins. */
  releaseBody: (() => void) | undefined;
  untilAnswered: ForwardHooks['untilAnswered'];
  answerWatch: AnswerWatch | undefined;
}

/**
 * The hooks of one forwarded exchange (ForwardHooks): methods on a prototype, holding the
 * exchange, the observer and the request; the body's budget share is dropped once given back.
 */
class ExchangeHooks implements ForwardHooks {
  private readonly exchange: Exchange;
  private readonly observer: Observer;
  private readonly apiRange: Pick<DaemonApiRange, 'notReached'>;
  private readonly req: IncomingMessage;
  private readonly streamName: string | undefined;
  private releaseBody: (() => void) | undefined;
  readonly untilAnswered: ForwardHooks['untilAnswered'];
  /** Only with `untilAnswered` (ForwardHooks.answerWatch). */
  readonly answerWatch: AnswerWatch | undefined;

  constructor(input: ExchangeHooksInput) {
    this.exchange = input.exchange;
    this.observer = input.observer;
    this.apiRange = input.apiRange;
    this.req = input.req;
    this.streamName = input.streamName;
    this.releaseBody = input.releaseBody;
    this.untilAnswered = input.untilAnswered;
    this.answerWatch = input.untilAnswered ? input.answerWatch : undefined;
  }

  onHeaders(): void {
    this.exchange.headersSent();
    const release = this.releaseBody;
    this.releaseBody = undefined;
    release?.();
    if (this.streamName !== undefined) {
      this.exchange.stream = true;
      this.exchange.hold(this.observer.streamOpened(this.streamName, false));
    } else {
      // A non-streaming operation holds only quota locks, needed until the daemon has
      // acted: freed now, not when a client that may never read the answer takes it.
      this.exchange.releaseHeld();
    }
  }

  onError(kind: 'unreachable' | 'failed', err: Error): void {
    // The gateway answers 502 itself when no answer has begun (a no-op otherwise).
    this.exchange.headersSent();
    const error = (err as NodeJS.ErrnoException).code ?? err.message;
    this.exchange.upstreamError ??= `${kind}: ${error}`;
    this.observer.upstreamError(kind, error);
    // A daemon that could not be reached may have gone: its API range is stale (version-gate.ts).
    if (kind === 'unreachable') this.apiRange.notReached(errorCode(err));
  }

  // The streamed body stopped (limits.streamedBodyIdleMs): cut as a revocation cuts, so
  // the daemon request is dropped mid-body (dockerd gives the build or load up) and what
  // the exchange holds (tags, stream slot) is freed once the daemon connection has closed.
  onBodyIdle(): void {
    cutConnection(this.req.socket, 'body-idle');
  }

  // Not before the client can send: its 100 Continue, pipelined behind an answer still
  // being written, goes out only after that answer (rev-fix-http F4).
  bodyIdleFrom(start: () => void): void {
    afterContinue(this.req, start);
  }
}

/** The forwarder's hooks of one allowed exchange. */
export function exchangeHooks(input: ExchangeHooksInput): ForwardHooks {
  return new ExchangeHooks(input);
}
