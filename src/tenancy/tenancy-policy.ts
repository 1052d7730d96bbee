/**
 * What tenancy reads of one policy: its `tenancy:` section and the groups it gives an identity.
 * The data path takes it once per request, with the rules that decided it (Gatekeeper.tenancy),
 * so that a reload landing while the request waits on the daemon (a service's network look-up,
 * tenancy's own look-ups) cannot have one policy's rules and another's tenancy decide it.
 */
import type { Identity } from '../core/types.js';
import type { TenancySpec } from '../policy/tenancy-schema.js';

/** One policy's tenancy section and groups, fixed for the request that took it. */
export interface TenancyPolicy {
  /** The policy's `tenancy:` section; undefined = tenancy is off under that policy. */
  readonly spec: TenancySpec | undefined;
  /** Effective groups of an identity under that policy (its `groups:` section added). */
  groups(identity: Identity): string[];
}
