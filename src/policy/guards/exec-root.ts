/**
 * `execRoot: false` refuses exec sessions that explicitly ask for root, as user or as group:
 * a user part of `root`, `0` in any spelling Go's strconv.Atoi reads as 0 (`000`, `+0`, `-0`),
 * or empty (`:`, `:staff`: uid 0 too), and a group part of `root` or a 0 in those spellings
 * (`65534:0`, `app:root`). dockerd resolves the exec user with runc's GetExecUser, which splits
 * `user[:group]` on `:` (a third part is ignored) and takes a part that Atoi accepts (an optional
 * sign, then decimal digits) as a numeric uid or gid. An empty `User` runs as the container's
 * own user and is allowed: it grants nothing the container's main process does not already
 * have, and the container itself was checked when it was created. (A non-root name that the
 * image's /etc/passwd or /etc/group maps to id 0 cannot be seen from here, nor the group 0 that
 * runc gives a numeric user its passwd file does not list.)
 */
import { bodyField, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/** A user or group part naming id 0: `root`, or a number Atoi reads as 0 (spaces trimmed: only refuses more). */
function isRootPart(part: string): boolean {
  const p = part.trim();
  return p === 'root' || /^[+-]?0+$/.test(p);
}

/**
 * True when an exec `User` value names root: `root`, a user part Atoi reads as 0, or an empty
 * user part (`:`, `:0`, `:staff`). dockerd keeps any non-empty `User`, and GetExecUser, called
 * with no defaults, leaves an empty user part at uid 0 (it matches the passwd entry of uid 0,
 * or none), whatever the container's own user is.
 */
export function isRootUser(user: string): boolean {
  if (user === '') return false;
  const name = user.split(':')[0] ?? '';
  return name.trim() === '' || isRootPart(name);
}

/**
 * True when an exec `User` value names group root explicitly: a group part (after the first
 * `:`, up to the next) of `root` or a number Atoi reads as 0. GetExecUser matches it against
 * /etc/group (by name, or by gid when numeric) and, for a number no entry has, takes the
 * number itself: gid 0 either way. An empty group part is no group (the user's own applies).
 */
export function isRootGroup(user: string): boolean {
  const parts = user.split(':');
  const group = parts[1];
  return group !== undefined && group !== '' && isRootPart(group);
}

/** The `execRoot` guard, as this file's header describes it. */
export const execRootGuard = defineGuard({
  key: 'execRoot',
  summary: 'exec sessions as root (exec User root / 0, +0, -0, as user or group)',
  operations: [OP.execCreate],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of bodyField(facts, 'User')) {
      if (typeof f.value !== 'string') return { code: 'exec-root', reason: `User ${show(f.value)} is not a string` };
      if (isRootUser(f.value)) return { code: 'exec-root', reason: `User ${show(f.value)} runs the exec session as root` };
      if (isRootGroup(f.value)) return { code: 'exec-root', reason: `User ${show(f.value)} runs the exec session in group root (gid 0)` };
    }
    return undefined;
  },
});
