/**
 * Names a tenant may not give a container or a network: ones dockerd could read as the ID of
 * another object. dockerd resolves a reference by full ID, then by exact name, then by ID
 * prefix, so a container named with the short ID (or any ID prefix) of someone else's container
 * would be reached by everyone who means the other one by that prefix: a tenancy admin's
 * `docker exec 9ba6806bea2a` (admins bypass tenancy) would run in the tenant's container, and the
 * owner would be refused their own. Networks resolve the same way.
 */
import { accessTo } from './access.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';
import { resolveObject } from './resolve.js';
import { normalizeReference } from '../policy/guards/image-reference.js';

/** Length of the short IDs the docker CLI shows (`docker ps`, `docker network ls`). */
export const SHORT_ID_LENGTH = 12;

const HEX = /^[0-9a-f]+$/;
/** Hex digits in any case: a DNS name compares without case (dns-names.ts). */
const ANY_CASE_HEX = /^[0-9a-f]+$/i;

/**
 * Refuse `name` for a new or renamed container or network when it is only lowercase hex digits
 * and either as long as a short ID or longer (an ID prefix of any object, present or future) or
 * a prefix of an existing object's ID. Shorter hex names that prefix no ID are allowed (`cafe`,
 * `add`); one that a later object's ID happens to start with is a known limit (docs/sharing.md).
 * `anyCase`: hex digits in any case count (`51E05EEC25E4`), for a container's DNS name on a
 * network others use (dns-names.ts): dockerd's IDs are lower case, the DNS ignores case.
 * `self`: the full ID of the container being renamed or connected, whose own ID prefix is no
 * other's.
 */
export async function idLikeName(ctx: TenancyContext, kind: 'containers' | 'networks', name: string | undefined, anyCase = false, self?: string): Promise<TenancyVerdict | undefined> {
  // dockerd accepts a container name with one leading slash and stores it without.
  const bare = kind === 'containers' && name?.startsWith('/') ? name.slice(1) : name;
  if (bare === undefined || !(anyCase ? ANY_CASE_HEX : HEX).test(bare)) return undefined;
  if (bare.length < SHORT_ID_LENGTH) {
    const r = await resolveObject(ctx.daemon, kind, bare.toLowerCase());
    if ('answer' in r ? r.answer.status === 404 : self !== undefined && r.found.id === self) return undefined;
  }
  const what = kind === 'containers' ? 'container' : 'network';
  const dns = bare === bare.toLowerCase() ? '' : ' (the DNS of a network others use ignores case)';
  return deny(403, 'id-like-name', tenancyMessage(ctx, `${what} name "${bare}" could be read as the ID of another ${what}${dns}: give it a name that is not only hexadecimal digits`));
}

/**
 * The image ID prefix a tag named `ref` would stand in for, if any. dockerd looks a name up as a
 * tag before it tries it as an ID prefix, and reads `<hex>` as the tag
 * `docker.io/library/<hex>:latest`: such a tag answers, for everyone, the short ID someone types
 * to mean another image (an admin's `docker run 805a4daf44c0` would run the tag's image).
 * `sha256:<hex>` reads as the tag `<hex>` of the repository `sha256`; dockerd 20.10 refuses to
 * create such tags itself ("refusing to create an ambiguous tag using digest algorithm as
 * name"), and the gateway refuses them too, with the same reason as the first shape, rather
 * than rely on every daemon version doing so.
 */
export function idLikeTag(ref: string): string | undefined {
  const r = normalizeReference(ref);
  if (r === undefined || r.digest !== undefined || !r.name.startsWith(LIBRARY)) return undefined;
  const path = r.name.slice(LIBRARY.length);
  if (r.tag === 'latest' && HEX.test(path)) return path;
  if (path === 'sha256' && r.tag !== undefined && HEX.test(r.tag)) return r.tag;
  return undefined;
}

const LIBRARY = 'docker.io/library/';

/**
 * Refuse a new tag `ref` that dockerd would find in place of an image ID prefix (idLikeTag):
 * always when the prefix is as long as a short ID or longer, and when shorter, if it is the
 * prefix of an existing image's ID. The prefix is looked up either way (one inspect, as
 * `sha256:<prefix>`, which dockerd looks up by ID), so the refusal says when it is the ID of an
 * image the caller may change: "another image" misled for the caller's own short ID, the one
 * `docker images` shows (rev-images F7 for shorter prefixes, rev-day1 F5 for 12 digits and more).
 */
export async function idLikeImageTag(ctx: TenancyContext, ref: string, shown: string): Promise<TenancyVerdict | undefined> {
  const prefix = idLikeTag(ref);
  if (prefix === undefined) return undefined;
  const r = await resolveObject(ctx.daemon, 'images', `sha256:${prefix}`);
  if (prefix.length < SHORT_ID_LENGTH && 'answer' in r && r.answer.status === 404) return undefined;
  const own = 'found' in r && accessTo(ctx.spec, ctx.tenant, r.found, 'modify') !== 'none';
  const image = own ? `an image of yours or your team's (${r.found.id.replace(/^sha256:/, '').slice(0, SHORT_ID_LENGTH)})` : 'another image';
  return deny(403, 'id-like-name', tenancyMessage(ctx, `tag "${shown}" could be read as the ID of ${image}: give it a name that is not only hexadecimal digits`));
}
