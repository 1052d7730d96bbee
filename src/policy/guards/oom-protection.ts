/**
 * `oomProtection: false` refuses a container the host's OOM killer would spare: a negative
 * `OomScoreAdj` (down to -1000, never killed) or `OomKillDisable`. When memory runs out, the
 * kernel then kills other tenants' processes (and the host's) first. No quota covers either.
 * Also a service's `ContainerSpec.OomScoreAdj` (API 1.46, `docker service create
 * --oom-score-adj`), which the swarm executor gives each task container; swarm has no
 * `OomKillDisable`.
 */
import { containerSpecField, hostConfigField, hostConfigName, isSet, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS, SERVICE_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

const OOM_SCORE_ADJ = hostConfigName('OomScoreAdj');
const OOM_KILL_DISABLE = hostConfigName('OomKillDisable');

/** The `oomProtection` guard, as this file's header describes it. */
export const oomProtectionGuard = defineGuard({
  key: 'oomProtection',
  summary: 'protection from the host\'s OOM killer (HostConfig.OomScoreAdj below 0, HostConfig.OomKillDisable, service ContainerSpec.OomScoreAdj below 0)',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of [...hostConfigField(facts, OOM_SCORE_ADJ), ...containerSpecField(facts, 'OomScoreAdj')]) {
      // Go refuses what is not an integer; we fail closed on anything but a number of 0 or more.
      if (!(typeof f.value === 'number' && f.value >= 0)) return { code: 'oom-protection', reason: `${f.path} ${show(f.value)} is not allowed (below 0: the host's OOM killer would kill others first)` };
    }
    for (const f of hostConfigField(facts, OOM_KILL_DISABLE)) {
      if (isSet(f.value)) return { code: 'oom-protection', reason: `${f.path} ${show(f.value)} is not allowed` };
    }
    return undefined;
  },
});
