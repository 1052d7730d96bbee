/**
 * Writes a decision's amendments (settings the enforced rule's guards ask for, see
 * BodyAmendment) into an allowed request's decoded body, and serialises it for the daemon.
 */
import type { BodyAmendment, RequestFacts } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import { addingHostConfig } from '../tenancy/added-host-config.js';
import { goObjectAt, goSet } from '../tenancy/labels.js';
import { serialiseWithin } from '../tenancy/rewritten-body.js';

/**
 * Apply `amendments` to `facts.body` in place (tenancy's rewrites then start from it) and
 * return the body to forward. Each path's objects are the ones dockerd reads (a field's
 * spelling in the body is reused, as Go matches it). A `HostConfig` an amendment adds to a
 * create that had none is completed as addingHostConfig says (`IpcMode` below API 1.40, the
 * top-level `Cpuset`). Throws when the body is no object, which a guard that amends never
 * allows, and a GatewayError (413 `rewritten-body-too-large`) when the amended body is over
 * `limit` bytes (`limits.bodyBytes`).
 */
export function amendBody(facts: RequestFacts, amendments: readonly BodyAmendment[], limit: number): Buffer {
  const body = facts.body;
  if (!isObject(body)) throw new Error('an amended body must be a JSON object');
  const apply = (): void => {
    for (const { path, value } of amendments) {
      const parent = goObjectAt(body, ...path.slice(0, -1));
      goSet(parent, path[path.length - 1] as string, value);
    }
  };
  // A create's amendment may add its first HostConfig, which changes more in dockerd than the amended field.
  if (facts.operation?.name === 'ContainerCreate') addingHostConfig(body, facts.apiVersion, apply);
  else apply();
  return serialiseWithin(body, facts.method, limit);
}
