/**
 * How a refusal names whose an object is (no one's, another tenant's, the caller's with another
 * team's label), and what it adds for an image without an owner.
 */
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';
import type { Ownership } from './labels.js';

/** What a refusal over an image without an owner adds: who can undo it. */
export const ADMIN_MAY = 'a tenancy admin can remove or re-tag it';

/** The refusal of an operation on `what` "`name`", which is not the caller's (whose says whose it is). */
export function notYours(ctx: TenancyContext, what: string, name: string, ownership?: Ownership): TenancyVerdict {
  return deny(403, 'not-owner', tenancyMessage(ctx, `${what} "${name}" ${ownership ? whose(ctx, ownership) : 'belongs to another tenant'}`));
}

/**
 * Whose an object the caller may not change is, as a refusal says it: no one's, another
 * tenant's, or (an image the classic builder left between its label steps, access.ts) labelled
 * the caller's but with another team than theirs.
 */
export function whose(ctx: TenancyContext, ownership: Ownership): string {
  if (ownership.owner === undefined) return 'has no owner';
  if (ownership.owner !== ctx.tenant.name) return 'belongs to another tenant';
  return `is labelled yours but with ${labelTeam(ownership)}, not your own team's label (the classic builder leaves such images between its label steps): you may run it, not change it`;
}

/** The team label of an image as a refusal says it: `team "web"`, or `no team`. */
export function labelTeam(ownership: Ownership): string {
  return ownership.team === undefined || ownership.team === '' ? 'no team' : `team "${ownership.team}"`;
}
