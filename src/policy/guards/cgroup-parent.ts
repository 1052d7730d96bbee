/** `cgroupParent: false` refuses placing containers in a chosen host cgroup. */
import { hostConfigField, hostConfigName, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

const CGROUP_PARENT = hostConfigName('CgroupParent');

/** The `cgroupParent` guard, as this file's header describes it. */
export const cgroupParentGuard = defineGuard({
  key: 'cgroupParent',
  summary: 'a chosen host cgroup (HostConfig.CgroupParent)',
  operations: CONTAINER_OPS,
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of hostConfigField(facts, CGROUP_PARENT)) {
      if (isNonEmpty(f.value)) return { code: 'cgroup-parent', reason: `${f.path} ${show(f.value)} is not allowed` };
    }
    return undefined;
  },
});
