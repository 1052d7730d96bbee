/**
 * One request/response exchange as the observe stage sees it: started when the request
 * arrives, finished exactly once with the outcome, status and byte counts.
 */
import type { IncomingMessage } from 'node:http';
import type { EndedBy, Observer, RequestOutcome, RequestRecord } from '../core/observer.js';
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import { hostPort } from '../config/address.js';
import { nextRequestId } from './request-id.js';
import { cutReason } from './connection-cuts.js';

/**
 * What the record of a request whose client left while the gateway was still deciding (a
 * look-up on the daemon after the policy allowed it: a service's networks, tenancy) adds
 * (Exchange.decidedAfterLeaving); `cut` when the gateway closed the connection itself
 * (revocation, expiry, ...: connection-cuts.ts), as its `endedBy` says.
 */
export function leftWhileDeciding(cut: EndedBy | undefined): string {
  const gone = cut ? `the gateway closed the client connection (${cut})` : 'the client left';
  return `${gone} before ${cut ? 'it' : 'the gateway'} had decided (it was looking something up on the daemon); nothing was forwarded`;
}

/** Mutable record of an exchange in flight; `finish` hands it to the observer once. */
export class Exchange {
  readonly requestId = nextRequestId();
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  /** Taken now: a destroyed socket (hijack ended, refused body) no longer knows its peer. */
  private readonly client: string;
  /** The client connection, whose cut by the gateway (connection-cuts) the record names. */
  private readonly socket: IncomingMessage['socket'];
  private done = false;
  /**
   * What the record names the request by: its route's facts (routeFacts: operation, path, version)
   * once its target is planned, then the facts it was decided on.
   */
  facts?: RequestFacts;
  decision?: Decision;
  /** Version of the policy that made `decision`. */
  policyVersion?: string;
  headersMs?: number;
  stream = false;
  /** Request body bytes received (inspected or streamed to the daemon). */
  bodyBytes = 0;
  /** Set when the gateway refused the request before (or instead of) a decision. */
  refusal?: { outcome: RequestOutcome; reason: string };
  /** The first error talking to the daemon (`unreachable: ENOENT`, `failed: ECONNRESET`), as counted in dockgate_upstream_errors_total. */
  upstreamError?: string;
  /**
   * What the exchange holds (tenancy's locks and stream slot, an open-stream count), freed once.
   * Made when something is held, each time at its exact length with `concat` (V8 grows an array
   * pushed to, or spread into a literal, to 17 or 19 slots: about 0.15 KB of every open stream).
   */
  private held?: (() => void)[];
  /** What it holds until it ends, whatever the daemon answered (the identity's request slot); as `held`. */
  private heldToEnd?: (() => void)[];
  /**
   * Set while the daemon carries out a request whose client left (awaitDaemon): `finish` is
   * kept here until `daemonAnswered`, which ends the exchange.
   */
  private orphan?: { finish?: Parameters<Exchange['finish']> };

  constructor(
    private readonly observer: Observer,
    readonly req: IncomingMessage,
    readonly identity: Identity | undefined,
  ) {
    this.client = hostPort(req.socket.remoteAddress, req.socket.remotePort);
    this.socket = req.socket;
  }

  /** Record what the request was decided on: its facts, the decision and the version of the policy that made it. */
  decided(facts: RequestFacts, decision: Decision, policyVersion: string): void {
    this.facts = facts;
    this.decision = decision;
    this.policyVersion = policyVersion;
  }

  /** Note that response headers went out now. */
  headersSent(): void {
    if (this.headersMs === undefined) this.headersMs = performance.now() - this.t0;
  }

  /** Free `release` when the exchange ends, or at once if it has ended. */
  hold(release: () => void): void {
    if (this.done) release();
    else this.held = this.held ? this.held.concat(release) : [release];
  }

  /**
   * Free `release` when the exchange ends (or at once if it has ended), not before: an answer a
   * client does not read still holds its daemon connection.
   */
  holdUntilEnd(release: () => void): void {
    if (this.done) release();
    else this.heldToEnd = this.heldToEnd ? this.heldToEnd.concat(release) : [release];
  }

  /** Free what is held now (the daemon has answered an operation that holds only locks). */
  releaseHeld(): void {
    const held = this.held;
    this.held = undefined;
    for (const release of held ?? []) release();
  }

  /**
   * The client left after its request went to the daemon whole, and the daemon is let finish it
   * (it holds a quota lock or a tag reservation until dockerd has acted): the exchange ends,
   * with its record and what it holds, only at `daemonAnswered`.
   */
  awaitDaemon(): void {
    if (!this.done) this.orphan ??= {};
  }

  /**
   * The daemon's side of a request awaited with `awaitDaemon` is over: end the exchange, its
   * record's reason followed by `what` (the client left; what the daemon answered).
   */
  daemonAnswered(what: string): void {
    const orphan = this.orphan;
    if (!orphan) return;
    this.orphan = undefined;
    if (!orphan.finish) return;
    const [outcome, status, bytesIn, bytesOut, reason] = orphan.finish;
    const before = reason ?? this.decision?.reason;
    this.finish(outcome, status, bytesIn, bytesOut, before === undefined ? what : `${before}; ${what}`);
  }

  /**
   * An admission step awaited with `awaitDaemon` (a look-up on the daemon after the policy
   * allowed the request: a service's networks, tenancy) is over. When the client left
   * meanwhile, the exchange ends now, recorded with what the step reached (a refusal set in
   * `refusal`, else `decision`, a refusal of the step's included) and `what` after its reason,
   * and true is returned: nothing more is to be done. Otherwise the exchange goes on. `what`
   * defaults to leftWhileDeciding, naming the gateway's cut of the connection when there was one.
   */
  decidedAfterLeaving(what: string = leftWhileDeciding(cutReason(this.socket))): boolean {
    const orphan = this.orphan;
    if (!orphan) return false;
    this.orphan = undefined;
    if (!orphan.finish) return false;
    const [outcome, status, bytesIn, bytesOut] = orphan.finish;
    const reason = this.refusal?.reason ?? this.decision?.reason;
    this.finish(this.refusal?.outcome ?? this.decision?.outcome ?? outcome, status, bytesIn, bytesOut, reason === undefined ? what : `${reason}; ${what}`);
    return true;
  }

  /** Report the exchange, freeing what it holds. Later calls are ignored, so every path may call it. */
  finish(outcome: RequestOutcome, status: number, bytesIn: number, bytesOut: number, reason?: string): void {
    if (this.done) return;
    if (this.orphan) {
      this.orphan.finish ??= [outcome, status, bytesIn, bytesOut, reason];
      return;
    }
    this.done = true;
    this.releaseHeld();
    const heldToEnd = this.heldToEnd;
    this.heldToEnd = undefined;
    for (const release of heldToEnd ?? []) release();
    const record: RequestRecord = {
      requestId: this.requestId,
      startedAt: this.startedAt,
      client: this.client,
      identity: this.identity,
      method: this.req.method ?? '',
      rawTarget: this.req.url ?? '',
      facts: this.facts,
      decision: this.decision,
      policyVersion: this.policyVersion,
      outcome,
      status,
      reason: reason ?? this.decision?.reason,
      bytesIn,
      bytesOut,
      headersMs: this.headersMs,
      durationMs: performance.now() - this.t0,
      stream: this.stream,
      endedBy: cutReason(this.socket),
      upstreamError: this.upstreamError,
      headers: this.req.headers,
    };
    this.observer.requestFinished(record);
  }
}
