/**
 * Saves and pushes: every image the named references stand for must be the caller's to export.
 */
import { accessTo } from './access.js';
import { isCallersRepository } from './caller-repository.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { daemonAnswer } from './daemon-answer.js';
import { deny, type TenancyVerdict } from './hook.js';
import { imagesNamed } from './image-set.js';
import { ADMIN_MAY, whose } from './ownership-refusals.js';

/**
 * Refuse unless every image the references stand for (image-set.ts) is the caller's to export
 * or push. A bare name of the caller's repository that also holds images without an owner
 * (pulled, or put there by the classic builder's `FROM` pull) says how to go on: by tag, or
 * after removing those (unownedRemoval).
 */
export async function ownImages(ctx: TenancyContext, refs: string[]): Promise<TenancyVerdict | undefined> {
  for (const ref of refs) {
    const named = await imagesNamed(ctx.daemon, ref);
    if ('answer' in named) return daemonAnswer(named.answer);
    for (const image of named.images) {
      if (accessTo(ctx.spec, ctx.tenant, image.found, 'modify') !== 'none') continue;
      const via = image.ref === ref ? '' : ` (${ref} stands for every tag of the repository)`;
      if (image.found.ownership.owner !== undefined) return deny(403, 'not-owner', tenancyMessage(ctx, `image "${image.ref}" ${whose(ctx, image.found.ownership)}${via}`));
      const advice = via !== '' && isCallersRepository(ctx, named.images) ? `${via}: save or push your tags by name, or remove the tags without an owner from your repository (rmi without -f)` : `; ${ADMIN_MAY}${via}`;
      return deny(403, 'not-owner', tenancyMessage(ctx, `image "${image.ref}" has no owner: tenants may use it, not export or push it${advice}`));
    }
  }
  return undefined;
}
