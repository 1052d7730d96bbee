/**
 * A tenancy admin's container create: forwarded as sent, with the proof of creation through
 * the gateway (container-seal.ts) set over whatever `dockgate.created` label the body gives.
 * Without it, a container an admin made for a tenant (with that tenant's owner labels) would
 * be nobody's. The owner and team labels the body leaves out are set empty (adminOwnerLabels):
 * dockerd copies the image's labels under the container's, so an admin's `docker run` of
 * alice's image, with no labels, became alice's and her team's container, host binds and all
 * (rev-seal2 F1). A create without a body goes as it is: dockerd refuses it.
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { BodyShapeError, OWNER_LABEL, ownershipOf, TEAM_LABEL } from './labels.js';
import { withCreateLabels } from './label-overlay.js';
import { CREATED_LABEL, freshCreatedValue } from './container-seal.js';
import { serialiseWithin } from './rewritten-body.js';

/**
 * The owner and team labels an admin's container (or service task) needs added so that it has
 * the ownership its own labels `given` say, whatever its image's say (the container's keys win
 * in dockerd's merge, empty ones too): with no owner, both empty; with an owner but no exact
 * `dockgate.team` key, an empty team (else the image's team would fill it). The same rule as
 * an admin's build labels (admin-writes.ts, adminBuildLabels). Pure.
 */
export function adminOwnerLabels(given: JsonValue | undefined): Record<string, string> {
  if (ownershipOf(given).owner === undefined) return { [OWNER_LABEL]: '', [TEAM_LABEL]: '' };
  return isObject(given) && Object.hasOwn(given, TEAM_LABEL) ? {} : { [TEAM_LABEL]: '' };
}

/** The verdict on an admin's ContainerCreate. */
export function adminContainerCreate(ctx: TenancyContext): TenancyVerdict {
  const { facts } = ctx.req;
  if (facts.body === undefined) return forward();
  try {
    const labels = { ...adminOwnerLabels(field(facts.body, 'Labels')), [CREATED_LABEL]: freshCreatedValue() };
    const body = withCreateLabels(facts.body, labels);
    return forward({ body: serialiseWithin(body, ctx.req.method, ctx.req.bodyLimit) });
  } catch (err) {
    if (err instanceof BodyShapeError) return deny(400, 'json-shape', tenancyMessage(ctx, err.message));
    throw err;
  }
}
