/**
 * Legacy link names on container routes. dockerd registers every legacy link (`--link
 * prod:db` on a container `ci-x`) as a second name of the linked container, `/ci-x/db`, and
 * its container routes take `{name:.*}`, so `/containers/ci-x/db/exec` (or `ci-x%2Fdb`, the
 * path being decoded first) acts on `prod`: a path glob such as `/containers/ci-*` followed
 * by `**` would see `ci-x` and the record would name `ci-x/db`. A container's own name never
 * holds a `/` after its leading one (dockerd's names match `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`,
 * IDs are hex), so such a name is always a link's, and is refused on every container route
 * before the policy decides.
 *
 * The one exception is `docker rm --link <parent>/<alias>` (`DELETE /containers/<parent>/<alias>?link=1`):
 * dockerd's deleteContainers reads `link` with httputils.BoolValue and then only removes the
 * link from the parent (rmLink), leaving the linked container alone.
 */
import type { Operation } from '../core/types.js';
import { goBoolValue } from './query.js';

/** True when `name` holds a `/` other than a single leading one: a legacy link's name, never a container's own. */
export function isLinkName(name: string): boolean {
  return name.slice(name.startsWith('/') ? 1 : 0).includes('/');
}

/** True for the routes that take a container's name or ID as their `{name}` (`/containers/{name...}`). */
export function takesContainerName(op: Operation): boolean {
  return op.pattern.startsWith('/containers/{name');
}

/**
 * The reason a request names a container by a link's name, or undefined. `link` reads the first
 * value of the request's `link` query parameter (what Go's FormValue returns), only when a
 * link's name is met (the query is parsed once, by buildFacts, for every other request): only a
 * ContainerDelete that dockerd reads as a link removal (`link` true for httputils.BoolValue)
 * may name one. A `link` value whose reading depends on Go's Unicode handling is not excepted.
 */
export function linkNameRefusal(op: Operation, name: string | undefined, link: () => string | undefined): string | undefined {
  if (name === undefined || !takesContainerName(op) || !isLinkName(name)) return undefined;
  if (op.name === 'ContainerDelete' && goBoolValue(link()) === true) return undefined;
  return (
    `container name ${JSON.stringify(name)} is a legacy link's name (<container>/<alias>): dockerd would act on ` +
    'the linked container, not the one it spells; name that container by its own name or ID (only "docker rm --link" takes a link\'s name)'
  );
}
