/**
 * Whether a tenant may act on an object, from the object's labels and the policy. Pure.
 * Order: own objects, then the team's, then shared names and unowned kinds (read only).
 */
import type { ObjectKind, TenancySpec } from '../policy/tenancy-schema.js';
import type { Ownership } from './labels.js';
import type { AccessLevel } from './operation-plans.js';
import type { Tenant } from './tenant.js';

/** Why access was granted, or `none`. */
export type AccessGrant = 'admin' | 'owner' | 'team' | 'shared' | 'unowned' | 'none';

/** The object as the daemon resolved it. */
export interface ResolvedObject {
  kind: ObjectKind;
  /** Full ID (volumes: the name). */
  id: string;
  /** Names the object answers to (container name without `/`, network/volume name, image tags). */
  names: string[];
  ownership: Ownership;
  /**
   * Images: whether it has a tag or a registry digest. The classic builder leaves untagged,
   * unlabelled intermediate images of every tenant's builds: those are never `unowned`.
   */
  tagged?: boolean;
}

/** How the tenant may access `obj` at `level`. */
export function accessTo(spec: TenancySpec, tenant: Tenant, obj: ResolvedObject, level: AccessLevel): AccessGrant {
  if (tenant.admin) return 'admin';
  const { owner, team } = obj.ownership;
  if (owner !== undefined && owner === tenant.name) return 'owner';
  if (owner !== undefined && team !== undefined && tenant.team !== undefined && team === tenant.team) return 'team';
  if (level === 'modify') return 'none';
  const sharedNames = obj.kind === 'networks' ? spec.shared.networks : obj.kind === 'volumes' ? spec.shared.volumes : [];
  if (obj.names.some((n) => sharedNames.includes(n))) return 'shared';
  if (owner === undefined && spec.unowned.includes(obj.kind) && obj.tagged !== false) return 'unowned';
  return 'none';
}

/** True when the tenant may see `obj` in a list (the read rule). */
export function visibleTo(spec: TenancySpec, tenant: Tenant, obj: ResolvedObject): boolean {
  return accessTo(spec, tenant, obj, 'read') !== 'none';
}

/** The single label filter that selects exactly what a tenant may see, when one exists. */
export function visibilityLabel(spec: TenancySpec, tenant: Tenant, kind: ObjectKind): string | undefined {
  const extra = spec.unowned.includes(kind) || (kind === 'networks' && spec.shared.networks.length > 0) || (kind === 'volumes' && spec.shared.volumes.length > 0);
  if (extra) return undefined;
  return tenant.team !== undefined ? `dockgate.team=${tenant.team}` : `dockgate.owner=${tenant.name}`;
}
