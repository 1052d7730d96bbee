/**
 * Refusals shared by the creates: a label of the gateway's own set by the client, and a volume
 * in memory under a `memory` quota.
 */
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';

/**
 * The refusal of a volume in memory (tmpfs-volumes.ts) under a `memory` quota; `where` names
 * the options that ask for it.
 */
export function memoryVolumeRefused(ctx: TenancyContext, where: string): TenancyVerdict {
  return deny(403, 'tmpfs-volume', tenancyMessage(ctx, `a volume in memory (local driver, type=tmpfs or ramfs, ${where}) is refused under your memory quota: dockerd keeps it mounted outside every container, so its memory counts against no container's limit; use --tmpfs or --mount type=tmpfs (counted in the container's memory) or a volume on disk`));
}

/** The refusal of labels `keys`, which are the gateway's own (the owner labels). */
export function reserved(ctx: TenancyContext, keys: string[]): TenancyVerdict {
  return deny(403, 'reserved-label', tenancyMessage(ctx, `label ${keys.map((k) => `"${k}"`).join(', ')} is reserved: the gateway sets the owner of what you create`));
}
