/**
 * The caller's repository (docs/sharing.md, Tags): a repository, by normalised name as
 * repositoryImages lists it, that holds at least one image the caller may modify (their own
 * with their team's label, or their team's). There the caller may re-point and remove tags
 * without an owner (a pull's, or one the classic builder's `FROM` pull put there), and their
 * tags may join images without an owner. Admins may modify every image. Pure.
 */
import { accessTo } from './access.js';
import type { TenancyContext } from './context.js';
import type { NamedImage } from './image-set.js';

/** Whether the images of one repository (repositoryImages) make it the caller's repository. */
export function isCallersRepository(ctx: Pick<TenancyContext, 'spec' | 'tenant'>, images: readonly NamedImage[]): boolean {
  return images.some((i) => accessTo(ctx.spec, ctx.tenant, i.found, 'modify') !== 'none');
}
