/**
 * The legacy top-level HostConfig of a container create: API < 1.24 clients put HostConfig
 * fields beside the Config ones, and dockerd 20.10 decodes the top level into an embedded
 * HostConfig as well, which it uses when the body has no `HostConfig` (absent or null).
 *
 * Go's decoder allocates that embedded `*container.HostConfig` only for a top-level key that
 * matches one of its fields (its own or its embedded `Resources`', names folded as Go folds
 * them); any other key (a Config or wrapper field, or no field at all, such as `Foo`) leaves it
 * nil. So the names here are dockerd 20.10's HostConfig JSON field names, exactly: later releases
 * decode the body as `container.CreateRequest` and ignore the top level, and a name 20.10 lacks
 * (`Capabilities` and `DiskQuota` of 19.03, `Annotations` of API 1.43: checked on dockerd
 * 20.10.24, none allocates the embedded HostConfig) would make tenancy build a HostConfig from
 * it where dockerd uses none (its IpcMode, cgroup namespace and top-level Cpuset then differ).
 */
import type { JsonObject } from '../core/types.js';
import { goFold } from './go-fold.js';

/** container.Resources' JSON field names (embedded in HostConfig: its fields are HostConfig's). */
const RESOURCES_FIELDS = [
  'CpuShares', 'Memory', 'NanoCpus', 'CgroupParent', 'BlkioWeight', 'BlkioWeightDevice', 'BlkioDeviceReadBps',
  'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod',
  'CpuRealtimeRuntime', 'CpusetCpus', 'CpusetMems', 'Devices', 'DeviceCgroupRules', 'DeviceRequests',
  'KernelMemory', 'KernelMemoryTCP', 'MemoryReservation', 'MemorySwap', 'MemorySwappiness', 'OomKillDisable', 'PidsLimit',
  'Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth',
];

/** container.HostConfig's own JSON field names (`Dns`, `DnsOptions`, `DnsSearch` as tagged). */
const HOST_CONFIG_FIELDS = [
  'Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver',
  'VolumesFrom', 'ConsoleSize', 'CapAdd', 'CapDrop', 'CgroupnsMode', 'Dns', 'DnsOptions',
  'DnsSearch', 'ExtraHosts', 'GroupAdd', 'IpcMode', 'Cgroup', 'Links', 'OomScoreAdj', 'PidMode', 'Privileged',
  'PublishAllPorts', 'ReadonlyRootfs', 'SecurityOpt', 'StorageOpt', 'Tmpfs', 'UTSMode', 'UsernsMode', 'ShmSize', 'Sysctls',
  'Runtime', 'Isolation', 'Mounts', 'MaskedPaths', 'ReadonlyPaths', 'Init',
];

/** The folded names of every field the embedded HostConfig decodes. */
const HOST_KEYS = new Set([...HOST_CONFIG_FIELDS, ...RESOURCES_FIELDS].map(goFold));

/**
 * Whether top-level `key` of a create body is read into the legacy HostConfig: it folds, as Go
 * folds names, to a HostConfig field (`memory` and `ſecurityOpt` do; `Cpuſet`, the wrapper's
 * `Cpuset`, and unknown keys such as `Foo` do not).
 */
export function isLegacyHostKey(key: string): boolean {
  return HOST_KEYS.has(goFold(key));
}

/** Whether a create body holds legacy top-level host fields: dockerd then has a HostConfig without a `HostConfig` key. */
export function hasLegacyHostFields(body: JsonObject): boolean {
  return Object.keys(body).some(isLegacyHostKey);
}
