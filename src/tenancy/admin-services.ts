/**
 * A tenancy admin's swarm service create or update: its task containers are made by dockerd
 * from `TaskTemplate.ContainerSpec.Labels` over the image's labels, never through the
 * gateway, so they are no one's. An admin's `--container-label dockgate.owner=alice` with any
 * `dockgate.created` made every task container alice's and her team's (exec as root, quotas:
 * rev-seal2 F2), and a service of alice's image alone put her owner labels on its tasks (her
 * `docker container prune` and her team's events selected them). So the gateway sets the
 * owner, team and proof-of-creation labels of the container spec to empty over whatever the
 * body or the image gives: an empty `dockgate.created` never proves anything
 * (container-seal.ts), and no label filter on a tenant's name selects the tasks.
 */
import type { JsonObject, JsonValue } from '../core/types.js';
import { goKey, isObject } from '../facts/go-fold.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { BodyShapeError, goObjectAt, OWNER_LABEL, TEAM_LABEL } from './labels.js';
import { CREATED_LABEL } from './container-seal.js';
import { serialiseWithin } from './rewritten-body.js';
import { copyBody } from './body-copy.js';

/** The labels every admin service's task containers get: none of them names or proves an owner. */
export const NO_ONES_TASK_LABELS: Readonly<Record<string, string>> = { [OWNER_LABEL]: '', [TEAM_LABEL]: '', [CREATED_LABEL]: '' };

/**
 * A copy of a service spec `body` with NO_ONES_TASK_LABELS set in its container spec's labels;
 * undefined when it has no `TaskTemplate.ContainerSpec` object (absent or null: dockerd makes
 * no container of it, refusing the spec or running a plugin). A `TaskTemplate` or
 * `ContainerSpec` or `Labels` of another type throws BodyShapeError (dockerd refuses it). Pure.
 */
export function serviceSpecWithoutOwner(body: JsonValue | undefined): JsonObject | undefined {
  if (!isObject(body)) return undefined;
  const root = copyBody(body);
  const templateKey = goKey(root, 'TaskTemplate');
  const template = templateKey === undefined ? undefined : root[templateKey];
  if (template === undefined || template === null) return undefined;
  const specHolder = goObjectAt(root, 'TaskTemplate');
  const specKey = goKey(specHolder, 'ContainerSpec');
  const spec = specKey === undefined ? undefined : specHolder[specKey];
  if (spec === undefined || spec === null) return undefined;
  Object.assign(goObjectAt(specHolder, 'ContainerSpec', 'Labels'), NO_ONES_TASK_LABELS);
  return root;
}

/** The verdict on an admin's ServiceCreate or ServiceUpdate. */
export function adminServiceWrite(ctx: TenancyContext): TenancyVerdict {
  try {
    const body = serviceSpecWithoutOwner(ctx.req.facts.body);
    if (body === undefined) return forward();
    return forward({ body: serialiseWithin(body, ctx.req.method, ctx.req.bodyLimit) });
  } catch (err) {
    if (err instanceof BodyShapeError) return deny(400, 'json-shape', tenancyMessage(ctx, err.message));
    throw err;
  }
}
