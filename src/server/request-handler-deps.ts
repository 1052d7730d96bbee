/**
 * What the normal (non-upgrade) request path needs, built once by the listener (gateway-server.ts)
 * and passed to each of its stages.
 */
import type { Observer } from '../core/observer.js';
import type { Forwarder } from '../proxy/forwarder.js';
import type { Tenancy } from '../tenancy/hook.js';
import type { DaemonClient } from '../tenancy/daemon-client.js';
import type { DaemonApiRange } from '../runtime/daemon-api-range.js';
import type { BodyBudget } from './body-budget.js';
import type { Gatekeeper } from './gatekeeper.js';
import type { IdentityRequests } from './identity-requests.js';
import type { UnreadAnswers } from './unread-answers.js';
import type { IdentityStreams } from './identity-streams.js';

/** What the request handler needs, passed in once. */
export interface RequestHandlerDeps {
  gatekeeper: () => Gatekeeper;
  forwarder: Forwarder;
  observer: Observer;
  bodyLimit: number;
  /** Bytes of inspected bodies held at once, in all and per identity. */
  bodyBudget: BodyBudget;
  /** Open streams per identity (limits.streamsPerIdentity). */
  streams: IdentityStreams;
  /** Other forwarded requests in progress per identity (limits.requestsPerIdentity). */
  requests: IdentityRequests;
  /** Bytes of answers the gateway built itself, written and not yet read, per identity. */
  unreadAnswers: UnreadAnswers;
  /** Time an inspected body has to arrive (ms). */
  bodyTimeoutMs: number;
  /** True once shutdown began: new requests are refused with 503. */
  draining: () => boolean;
  /** Ownership, visibility and quotas after the policy allowed a request; absent = off. */
  tenancy?: Tenancy;
  /** Look-ups on the daemon a decision asks for before forwarding (decision.networkLookups). */
  daemon: DaemonClient;
  /** The daemon's API versions (version-gate.ts). */
  apiRange: DaemonApiRange;
}
