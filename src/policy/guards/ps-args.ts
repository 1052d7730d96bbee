/**
 * `psArgs: false` limits `docker top`'s `ps_args` (ContainerTop) to dockerd's default and the
 * usual listings: none, `-ef`, `aux`. dockerd runs the host's `ps` with the caller's arguments
 * and keeps the rows of the container's processes: `e` (BSD style) prints each process's whole
 * environment, secrets that `docker exec -e` passed included and that no inspect shows, and
 * output options that break dockerd's PID column make it list every process of the host.
 */
import { show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/** `ps_args` values that print nothing beyond process listings. */
export const SAFE_PS_ARGS: readonly string[] = ['', '-ef', 'aux'];

/** The `psArgs` guard, as this file's header describes it. */
export const psArgsGuard = defineGuard({
  key: 'psArgs',
  summary: "docker top's ps_args other than none, -ef or aux (ps e prints each process's environment)",
  operations: [OP.containerTop],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    // Every value counts: dockerd takes the first, and a repeated key must not hide one.
    for (const value of facts.queryAll.ps_args ?? []) {
      if (!SAFE_PS_ARGS.includes(value)) return { code: 'ps-args', reason: `ps_args ${show(value)} is not allowed (only none, -ef or aux)` };
    }
    return undefined;
  },
});
