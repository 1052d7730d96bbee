/**
 * `capabilities: { allow: [NET_BIND_SERVICE] }` limits added Linux capabilities. Names are
 * normalised as dockerd does (upper-case, `CAP_` prefix added; `ALL` stays `ALL`), so
 * `sys_admin`, `SYS_ADMIN` and `CAP_SYS_ADMIN` are one capability.
 */
import type { JsonValue } from '../../core/types.js';
import { containerSpecField, hostConfigField, hostConfigName, items, show, type Found } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS, SERVICE_OPS } from './operations.js';
import { parseAllowList } from './settings.js';

/** Docker's default capability set: a `Capabilities` list (API 1.40) may name these freely. */
const DEFAULT_CAPS = new Set(
  ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'].map((c) => `CAP_${c}`),
);

/** Normalise a capability name as dockerd's caps package does (Go's ToUpper folds `ſ` to `S` too). */
export function normalizeCapability(name: string): string {
  const upper = name.toUpperCase();
  if (upper === 'ALL' || upper.startsWith('CAP_')) return upper;
  return `CAP_${upper}`;
}

const CAP_ADD = hostConfigName('CapAdd');
const CAPABILITIES = hostConfigName('Capabilities');

/** The `capabilities` guard, as this file's header describes it. */
export const capabilitiesGuard = defineGuard({
  key: 'capabilities',
  summary: 'added capabilities (HostConfig.CapAdd, HostConfig.Capabilities, service CapabilityAdd) by allow list',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS],
  parse: (value, at, problems) =>
    parseAllowList(value, at, problems, (item, itemAt) => {
      const cap = normalizeCapability(item);
      if (!/^(ALL|CAP_[A-Z0-9_]+)$/.test(cap)) {
        problems.add(itemAt, `${JSON.stringify(item)} is not a capability name`);
        return undefined;
      }
      return cap;
    }),
  check(config, { facts }) {
    if (config.any) return undefined;
    const allowAll = config.allow.includes('ALL');
    const check = (found: readonly Found[], defaultsFree: boolean) => {
      for (const f of found) {
        for (const { value, suffix } of items(f.value as JsonValue)) {
          if (typeof value !== 'string') return { code: 'capability', reason: `${f.path}${suffix} ${show(value)} is not a capability name` };
          const cap = normalizeCapability(value);
          if (allowAll || config.allow.includes(cap) || (defaultsFree && DEFAULT_CAPS.has(cap))) continue;
          const shown = cap === value ? show(value) : `${show(value)} (${cap})`;
          return { code: 'capability', reason: `${f.path}${suffix} ${shown} is not an allowed capability` };
        }
      }
      return undefined;
    };
    return (
      check(hostConfigField(facts, CAP_ADD), false) ??
      // API 1.40's Capabilities replaces the whole set: defaults are fine, anything else must be allowed.
      check(hostConfigField(facts, CAPABILITIES), true) ??
      check(containerSpecField(facts, 'CapabilityAdd'), false)
    );
  },
});
