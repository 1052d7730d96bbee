/**
 * What the request path and the upgrade path both need, built once by the listener
 * (gateway-server.ts) for the two handlers (request-handler-deps.ts, upgrade-handler-deps.ts).
 */
import type { Observer } from '../core/observer.js';
import type { Tenancy } from '../tenancy/hook.js';
import type { DaemonClient } from '../tenancy/daemon-client.js';
import type { DaemonApiRange } from '../runtime/daemon-api-range.js';
import type { BodyBudget } from './body-budget.js';
import type { Gatekeeper } from './gatekeeper.js';
import type { IdentityStreams } from './identity-streams.js';

/** What both handlers need, passed in once. */
export interface HandlerDeps {
  /** The gatekeeper of the policy in force (it changes on reload). */
  gatekeeper: () => Gatekeeper;
  /** Where the data path reports each exchange (audit record, metrics, logs). */
  observer: Observer;
  /** Bytes of an inspected body at most (limits.bodyBytes). */
  bodyLimit: number;
  /** Bytes of inspected bodies held at once, in all and per identity. */
  bodyBudget: BodyBudget;
  /** Open streams per identity (limits.streamsPerIdentity). */
  streams: IdentityStreams;
  /** Time an inspected body (an upgrade request's too) has to arrive (ms). */
  bodyTimeoutMs: number;
  /** True once shutdown began: new requests are refused with 503. */
  draining: () => boolean;
  /** Ownership, visibility and quotas after the policy allowed a request; absent = off. */
  tenancy?: Tenancy;
  /**
   * Look-ups on the daemon after the policy: those a decision asks for before forwarding
   * (decision.networkLookups), the exec an exec start starts (after-policy.ts).
   */
  daemon: DaemonClient;
  /** The daemon's API versions (version-gate.ts). */
  apiRange: DaemonApiRange;
}
