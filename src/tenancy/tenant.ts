/**
 * The caller as tenancy sees them: name, team, admin or not, and their limits, derived once
 * per request from the identity, its effective groups and the policy's `tenancy:` section. Pure.
 */
import type { Identity } from '../core/types.js';
import type { QuotaSpec, TenancySpec } from '../policy/tenancy-schema.js';

/** A tenant of the shared daemon. */
export interface Tenant {
  /** Certificate CN: the value of the owner label. */
  name: string;
  /** The first of the policy's teams the caller belongs to, if any. */
  team?: string;
  /** Admins bypass tenancy. */
  admin: boolean;
  /** Merged limits: default, then each matching group in policy order, then the user's own. */
  quota: QuotaSpec;
}

/** Build the tenant for `identity` with its effective `groups` (certificate OUs plus policy groups). */
export function tenantOf(spec: TenancySpec, identity: Identity, groups: readonly string[]): Tenant {
  const admin = spec.admins.users.includes(identity.name) || spec.admins.groups.some((g) => groups.includes(g));
  const quota: QuotaSpec = { ...spec.quotas.default };
  for (const [group, q] of Object.entries(spec.quotas.groups)) {
    if (groups.includes(group)) Object.assign(quota, q);
  }
  Object.assign(quota, spec.quotas.users[identity.name] ?? {});
  const tenant: Tenant = { name: identity.name, admin, quota };
  const team = spec.teams.find((t) => groups.includes(t));
  if (team !== undefined) tenant.team = team;
  return tenant;
}
