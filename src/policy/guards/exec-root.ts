/**
 * `execRoot: false` refuses exec sessions that explicitly ask for root: `User` of `root`,
 * `0` in any spelling Go's strconv.Atoi reads as 0 (`000`, `+0`, `-0`), or any of these
 * followed by `:group`, and an empty user part before `:group` (uid 0 too). dockerd resolves the exec user with runc's GetExecUser, which splits
 * `user[:group]` on `:` and takes a user part that Atoi accepts (an optional sign, then
 * decimal digits) as a numeric uid. An empty `User` runs as the container's
 * own user and is allowed: it grants nothing the container's main process does not already
 * have, and the container itself was checked when it was created. (A non-root user that the
 * image's /etc/passwd maps to uid 0 cannot be seen from here.)
 */
import { bodyField, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/**
 * True when an exec `User` value names root: `root`, a user part Atoi reads as 0, or an empty
 * user part (`:`, `:0`, `:staff`). dockerd keeps any non-empty `User`, and GetExecUser, called
 * with no defaults, leaves an empty user part at uid 0 (it matches the passwd entry of uid 0,
 * or none), whatever the container's own user is.
 */
export function isRootUser(user: string): boolean {
  if (user === '') return false;
  const name = (user.split(':')[0] ?? '').trim();
  return name === '' || name === 'root' || /^[+-]?0+$/.test(name);
}

export const execRootGuard = defineGuard({
  key: 'execRoot',
  summary: 'exec sessions as root (exec User root / 0, +0, -0)',
  operations: [OP.execCreate],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of bodyField(facts, 'User')) {
      if (typeof f.value !== 'string') return { code: 'exec-root', reason: `User ${show(f.value)} is not a string` };
      if (isRootUser(f.value)) return { code: 'exec-root', reason: `User ${show(f.value)} runs the exec session as root` };
    }
    return undefined;
  },
});
