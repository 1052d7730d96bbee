/**
 * The decision stage as the data path sees it: one function for normal and upgrade requests.
 * The policy behind it can be swapped (reload) without the data path knowing.
 */
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import type { TenancyPolicy } from '../tenancy/tenancy-policy.js';

/** Decides requests; implemented by the compiled policy (or a fixed policy in tools). */
export interface Gatekeeper {
  /** Version of the policy behind it (the first 12 hex digits of its file's SHA-256), recorded with each decision. */
  readonly version: string;
  /** Decide one request. Must be pure and must not throw for any facts. */
  decide(identity: Identity, facts: RequestFacts): Decision;
  /**
   * The denial of a request whatever its body (no rule for the identity selects its route), or
   * undefined; `facts` are built without the body. Must not throw.
   */
  denialWhateverTheBody(identity: Identity, facts: RequestFacts): Decision | undefined;
  /** The message a denied client sees (Docker error body). */
  denyMessage(identity: Identity, facts: RequestFacts, decision: Decision): string;
  /**
   * Tenancy as this same policy has it (its section and groups): the data path hands it to
   * tenancy with the request this gatekeeper decided, so both come from one policy whatever
   * reload lands meanwhile. Absent (fixed policies in tools and tests): tenancy reads its own.
   */
  readonly tenancy?: TenancyPolicy;
}
