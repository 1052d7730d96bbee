/**
 * What the upgrade path (`docker attach`, `docker exec`, BuildKit `/session`) needs, built once by
 * the listener (gateway-server.ts) and passed to its handler (handle-upgrade.ts).
 */
import type { Duplex } from 'node:stream';
import type { Observer } from '../core/observer.js';
import type { UpstreamTarget } from '../proxy/upstream-target.js';
import type { Tenancy } from '../tenancy/hook.js';
import type { DaemonClient } from '../tenancy/daemon-client.js';
import type { DaemonApiRange } from '../runtime/daemon-api-range.js';
import type { BodyBudget } from './body-budget.js';
import type { Gatekeeper } from './gatekeeper.js';
import type { IdentityStreams } from './identity-streams.js';

/** What the upgrade handler needs, passed in once. */
export interface UpgradeHandlerDeps {
  gatekeeper: () => Gatekeeper;
  target: UpstreamTarget;
  observer: Observer;
  bodyLimit: number;
  /** Bytes of inspected bodies held at once, in all and per identity. */
  bodyBudget: BodyBudget;
  /** Open streams per identity (limits.streamsPerIdentity). */
  streams: IdentityStreams;
  /** Time an upgrade request's body has to arrive (ms). */
  bodyTimeoutMs: number;
  draining: () => boolean;
  /** Open hijacked client sockets, so shutdown and revocation can find them. */
  sessions: Set<Duplex>;
  /** Ownership, visibility and quotas after the policy allowed a request; absent = off. */
  tenancy?: Tenancy;
  /** Look-ups on the daemon after the policy (the exec an exec start starts: after-policy.ts). */
  daemon: DaemonClient;
  /** The daemon's API versions (version-gate.ts). */
  apiRange: DaemonApiRange;
}
