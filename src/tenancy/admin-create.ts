/**
 * A tenancy admin's container create: forwarded as sent, with the proof of creation through
 * the gateway (container-seal.ts) set over whatever `dockgate.created` label the body gives.
 * Without it, a container an admin made for a tenant (with that tenant's owner labels) would
 * be nobody's. A create without a body goes as it is: dockerd refuses it.
 */
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { BodyShapeError, withOwnerLabels } from './labels.js';
import { CREATED_LABEL, freshCreatedValue } from './container-seal.js';
import { serialiseWithin } from './rewritten-body.js';

/** The verdict on an admin's ContainerCreate. */
export function adminContainerCreate(ctx: TenancyContext): TenancyVerdict {
  const { facts } = ctx.req;
  if (facts.body === undefined) return forward();
  try {
    const body = withOwnerLabels(facts.body, ['Labels'], { [CREATED_LABEL]: freshCreatedValue() });
    return forward({ body: serialiseWithin(body, ctx.req.method, ctx.req.bodyLimit) });
  } catch (err) {
    if (err instanceof BodyShapeError) return deny(400, 'json-shape', tenancyMessage(ctx, err.message));
    throw err;
  }
}
