/**
 * `swarm: false` refuses creating, joining or reconfiguring a swarm: a joined swarm's
 * managers schedule containers (binds, capabilities, host network) on this host, and
 * swarm update can replace the cluster CA.
 */
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/** The `swarm` guard, as this file's header describes it. */
export const swarmGuard = defineGuard({
  key: 'swarm',
  summary: 'swarm init, join and update',
  operations: [OP.swarmInit, OP.swarmJoin, OP.swarmUpdate],
  parse: parseSwitch,
  check(config, { op }) {
    if (!config.refuse) return undefined;
    return { code: 'swarm', reason: `${op} changes which managers control this host` };
  },
});
