/**
 * Ownership lives in the daemon as labels, so the gateway stays stateless and survives
 * restarts. Pure helpers to read, check and set them in decoded (Go-folded) JSON bodies.
 */
import type { JsonObject, JsonValue } from '../core/types.js';
import { goKey, isObject } from '../facts/go-fold.js';
import { copyBody, emptyObject } from './body-copy.js';

/** The label naming the identity (certificate CN) that created an object. */
export const OWNER_LABEL = 'dockgate.owner';
/** The label naming the creator's team ('' when none). */
export const TEAM_LABEL = 'dockgate.team';
/** Labels under this prefix are the gateway's: clients may not set them. */
export const RESERVED_PREFIX = 'dockgate.';

/** Who owns an object, as its labels say. */
export interface Ownership {
  owner?: string;
  team?: string;
}

/** Read the owner and team labels from a labels map (daemon output: exact keys). */
export function ownershipOf(labels: JsonValue | undefined): Ownership {
  const out: Ownership = {};
  if (!isObject(labels)) return out;
  const owner = labels[OWNER_LABEL];
  const team = labels[TEAM_LABEL];
  if (typeof owner === 'string' && owner !== '') out.owner = owner;
  if (typeof team === 'string' && team !== '') out.team = team;
  return out;
}

/** True when a label key is the gateway's (case-insensitive, as a careless reader might compare). */
export function isReservedLabel(key: string): boolean {
  return key.toLowerCase().startsWith(RESERVED_PREFIX);
}

/** The reserved keys a client tried to set in a labels map, if any. */
export function reservedKeys(labels: JsonValue | undefined): string[] {
  if (!isObject(labels)) return [];
  return Object.keys(labels).filter(isReservedLabel);
}

/** The labels the gateway sets on everything an identity creates. */
export function ownerLabels(owner: string, team: string | undefined): Record<string, string> {
  return { [OWNER_LABEL]: owner, [TEAM_LABEL]: team ?? '' };
}

/**
 * A struct field of a body holds what Go cannot decode into it (a string, number, boolean or
 * list where an object goes): dockerd refuses the body. Rewriting it into an object would
 * have dockerd act on a body it refuses (a tenant's `"HostConfig": "x"` became a container).
 */
export class BodyShapeError extends Error {}

/**
 * Follow (creating as needed) the struct fields `path` of a decoded body and return the
 * innermost object, reusing whatever client spelling Go would match. An absent or `null`
 * field (Go leaves it nil) is replaced; any other non-object throws BodyShapeError.
 */
export function goObjectAt(root: JsonObject, ...path: string[]): JsonObject {
  let cur = root;
  for (const [i, name] of path.entries()) {
    const key = goKey(cur, name) ?? name;
    const next = cur[key];
    if (isObject(next)) cur = next;
    else if (next !== undefined && next !== null) {
      throw new BodyShapeError(`${path.slice(0, i + 1).join('.')} is ${Array.isArray(next) ? 'a list' : `a ${typeof next}`} where dockerd reads an object: dockerd refuses the body`);
    } else {
      const fresh = emptyObject();
      cur[key] = fresh;
      cur = fresh;
    }
  }
  return cur;
}

/** A JSON value's type as Go's decoder tells them apart (a list is no object). */
function jsonType(v: JsonValue): string {
  return Array.isArray(v) ? 'list' : typeof v;
}

/**
 * Set struct field `name` of `obj`, reusing the client's spelling of it if present. A value of
 * another type already there (`"Memory": "x"`, which dockerd cannot decode) throws
 * BodyShapeError rather than being replaced by one dockerd would accept; absent or `null` is
 * replaced.
 */
export function goSet(obj: JsonObject, name: string, value: JsonValue): void {
  const key = goKey(obj, name) ?? name;
  const current = obj[key];
  if (current !== undefined && current !== null && jsonType(current) !== jsonType(value)) {
    throw new BodyShapeError(`${name} is ${jsonType(current) === 'list' ? 'a list' : `a ${jsonType(current)}`} where dockerd reads ${jsonType(value) === 'list' ? 'a list' : `a ${jsonType(value)}`}: dockerd refuses the body`);
  }
  obj[key] = value;
}

/**
 * A copy of `body` (a create body) with the owner labels set in its labels map at `path`
 * (e.g. ['Labels']). Labels is a Go map: its keys are exact, so only the field name folds.
 */
export function withOwnerLabels(body: JsonValue | undefined, path: readonly string[], labels: Record<string, string>): JsonObject {
  const root: JsonObject = isObject(body) ? copyBody(body) : emptyObject();
  const parent = goObjectAt(root, ...path.slice(0, -1));
  const last = path[path.length - 1] as string;
  const map = goObjectAt(parent, last);
  Object.assign(map, labels);
  return root;
}
