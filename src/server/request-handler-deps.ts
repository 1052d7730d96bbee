/**
 * What the normal (non-upgrade) request path needs, built once by the listener (gateway-server.ts)
 * and passed to each of its stages.
 */
import type { Forwarder } from '../proxy/forwarder.js';
import type { HandlerDeps } from './handler-deps.js';
import type { IdentityRequests } from './identity-requests.js';
import type { UnreadAnswers } from './unread-answers.js';

/** What the request handler needs, passed in once: what both handlers need, and its own. */
export interface RequestHandlerDeps extends HandlerDeps {
  forwarder: Forwarder;
  /** Other forwarded requests in progress per identity (limits.requestsPerIdentity). */
  requests: IdentityRequests;
  /** Bytes of answers the gateway built itself, written and not yet read, per identity. */
  unreadAnswers: UnreadAnswers;
}
