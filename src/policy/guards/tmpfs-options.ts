/**
 * `HostConfig.Tmpfs` options that make a tmpfs something else. dockerd 20.10 passes the mount
 * flags of an option string on to runc unchecked: `bind` or `rbind` makes the "tmpfs" a bind
 * mount of the path `tmpfs` relative to runc's working directory (the container's bundle
 * directory on the host), `remount` changes an existing mount instead of making one, and a
 * propagation flag (`shared`, `slave`, ...) ties the mount to others. None is of use for a
 * tmpfs; the binds guard refuses them.
 */
import { show, type Found } from './body.js';

const NOT_A_TMPFS = new Set(['bind', 'rbind', 'remount', 'shared', 'rshared', 'slave', 'rslave']);

/** The reason to refuse the first such option in `tmpfs` (HostConfig.Tmpfs and its legacy copy), if any. */
export function tmpfsOptionProblem(tmpfs: readonly Found[]): string | undefined {
  for (const f of tmpfs) {
    if (typeof f.value !== 'object' || f.value === null || Array.isArray(f.value)) continue; // dockerd refuses a non-map
    for (const [target, options] of Object.entries(f.value)) {
      if (typeof options !== 'string') continue;
      // Go splits on "," and compares each option exactly; trimmed here, so " bind" is refused too.
      const flag = options.split(',').map((o) => o.trim()).find((o) => NOT_A_TMPFS.has(o));
      if (flag !== undefined) {
        return `${f.path}[${show(target)}] option "${flag}" is not allowed: it makes the tmpfs a bind of a host path, or changes another mount`;
      }
    }
  }
  return undefined;
}
