/**
 * `cpuRealtime: false` refuses real-time CPU time for a container (`CpuRealtimeRuntime`,
 * `CpuRealtimePeriod`, `docker run --cpu-rt-runtime`): a real-time process runs before every
 * normal one on its CPU, so it takes CPU from other tenants' containers whatever their `cpus`
 * quota. It works where dockerd runs with `--cpu-rt-runtime` on cgroup v1; no quota covers it.
 */
import { hostConfigField, hostConfigName, isSet, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

const CPU_RT_RUNTIME = hostConfigName('CpuRealtimeRuntime');
const CPU_RT_PERIOD = hostConfigName('CpuRealtimePeriod');

/** The `cpuRealtime` guard, as this file's header describes it. */
export const cpuRealtimeGuard = defineGuard({
  key: 'cpuRealtime',
  summary: 'real-time CPU time (HostConfig.CpuRealtimeRuntime, HostConfig.CpuRealtimePeriod)',
  operations: CONTAINER_OPS,
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of [...hostConfigField(facts, CPU_RT_RUNTIME), ...hostConfigField(facts, CPU_RT_PERIOD)]) {
      // 0 is dockerd's "not set"; anything else (odd types included: Go refuses them) is refused.
      if (isSet(f.value) && f.value !== 0) return { code: 'cpu-realtime', reason: `${f.path} ${show(f.value)} is not allowed` };
    }
    return undefined;
  },
});
