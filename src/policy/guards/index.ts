/**
 * Every guard, in the order they are evaluated and documented. A rule's `guards:` keys must
 * be keys of this table.
 */
import { bindsGuard } from './binds.js';
import { buildOptionsGuard } from './build-options.js';
import { capabilitiesGuard } from './capabilities.js';
import { cgroupParentGuard } from './cgroup-parent.js';
import { cpuRealtimeGuard } from './cpu-realtime.js';
import { devicesGuard } from './devices.js';
import { execRootGuard } from './exec-root.js';
import type { GuardDefinition } from './guard.js';
import { hostNamespacesGuard } from './host-namespaces.js';
import { imagesGuard } from './images.js';
import { importUrlsGuard } from './import-urls.js';
import { linksGuard } from './links.js';
import { logDriversGuard } from './log-drivers.js';
import { logOptionsGuard } from './log-options.js';
import { maskedPathsGuard } from './masked-paths.js';
import { networkDriversGuard } from './network-drivers.js';
import { networkSubnetsGuard } from './network-subnets.js';
import { oomProtectionGuard } from './oom-protection.js';
import { pluginsGuard } from './plugins.js';
import { privilegedGuard } from './privileged.js';
import { publishedPortsGuard } from './published-ports.js';
import { psArgsGuard } from './ps-args.js';
import { runtimeGuard } from './runtime.js';
import { securityOptionsGuard } from './security-options.js';
import { swarmGuard } from './swarm.js';
import { sysctlsGuard } from './sysctls.js';
import { volumeDriversGuard } from './volume-drivers.js';
import { volumesFromGuard } from './volumes-from.js';

/** All guards. */
export const GUARDS: readonly GuardDefinition<unknown>[] = [
  privilegedGuard,
  hostNamespacesGuard,
  bindsGuard,
  volumesFromGuard,
  linksGuard,
  capabilitiesGuard,
  devicesGuard,
  securityOptionsGuard,
  maskedPathsGuard,
  sysctlsGuard,
  cgroupParentGuard,
  oomProtectionGuard,
  cpuRealtimeGuard,
  runtimeGuard,
  logDriversGuard,
  logOptionsGuard,
  volumeDriversGuard,
  publishedPortsGuard,
  imagesGuard,
  execRootGuard,
  networkDriversGuard,
  networkSubnetsGuard,
  pluginsGuard,
  buildOptionsGuard,
  swarmGuard,
  importUrlsGuard,
  psArgsGuard,
];

/** Guard by its `guards:` key. */
export const GUARDS_BY_KEY: ReadonlyMap<string, GuardDefinition<unknown>> = new Map(GUARDS.map((g) => [g.key, g]));

export type { GuardContext, GuardDefinition, Violation } from './guard.js';
