/**
 * What the upgrade path (`docker attach`, `docker exec`, BuildKit `/session`) needs, built once by
 * the listener (gateway-server.ts) and passed to its handler (handle-upgrade.ts).
 */
import type { Duplex } from 'node:stream';
import type { UpstreamTarget } from '../proxy/upstream-target.js';
import type { HandlerDeps } from './handler-deps.js';

/** What the upgrade handler needs, passed in once: what both handlers need, and its own. */
export interface UpgradeHandlerDeps extends HandlerDeps {
  target: UpstreamTarget;
  /** Open hijacked client sockets, so shutdown and revocation can find them. */
  sessions: Set<Duplex>;
}
