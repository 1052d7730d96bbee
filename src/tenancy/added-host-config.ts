/**
 * A `HostConfig` the gateway puts into a container create that had none. dockerd 20.10
 * decodes such a body's hostConfig as nil (no `HostConfig`, or null, and no legacy top-level
 * host field), and a non-nil one changes more than the fields the gateway writes (checked
 * against a dockerd 20.10 with `{"Image":"busybox","Cpuset":"0"}`, with and without a
 * `HostConfig`):
 * - below API 1.40, postContainersCreate sets an empty `IpcMode` to `shareable` (what older
 *   clients expect); with no hostConfig the container gets the daemon's `default-ipc-mode`,
 *   `private` unless the daemon is configured otherwise;
 * - below API 1.41, on a cgroup v1 host, postContainersCreate sets an empty `CgroupnsMode` to
 *   `host` ("Older clients expect the default to be host on cgroup v1 hosts"); with no
 *   hostConfig the container gets the daemon's `default-cgroupns-mode` (`private` where the
 *   daemon is configured so, as docs/policy.md recommends, and on cgroup v2 hosts);
 * - at any API version, runconfig's getHostConfig copies the top-level `Cpuset` (a deprecated
 *   wrapper field) into an empty `CpusetCpus`; with no hostConfig dockerd ignores it.
 * Tenancy's injected limits and the cgroupns amendment add one; both make their edit through
 * addingHostConfig, so the container is the one dockerd would have made from the client's body
 * plus the gateway's settings.
 */
import type { JsonObject } from '../core/types.js';
import { apiVersionBelow } from '../facts/api-version.js';
import { field, isObject, mapEntries } from '../facts/go-fold.js';
import { hasLegacyHostFields } from '../facts/legacy-host-fields.js';
import { goSet } from './labels.js';

/** Whether dockerd decodes create body `body`'s hostConfig as nil (no HostConfig, null, and no legacy top-level host field). */
export function hostConfigIsNil(body: JsonObject): boolean {
  const inner = field(body, 'HostConfig');
  return (inner === undefined || inner === null) && !hasLegacyHostFields(body);
}

/**
 * Run `edit` on create body `body` (sent with API version `apiVersion`, undefined: none) and
 * return its result. When dockerd would have decoded no hostConfig from `body` before the edit
 * and the edit put a `HostConfig` in, the rest of what that `HostConfig` makes dockerd do is
 * undone: below API 1.40 an empty `IpcMode` is set to `private` (the daemon default the body
 * would have got; a daemon configured with `default-ipc-mode: shareable` would have given
 * `shareable`, which the gateway cannot see: `private` shares nothing with other containers),
 * below API 1.41 an empty `CgroupnsMode` is set to `private` likewise (the daemon's
 * `default-cgroupns-mode`, which the gateway cannot see either, is `host` or `private`: `private`
 * gives at least the isolation either would), and a top-level `Cpuset` (every Go-folded
 * spelling) is removed. A `Cpuset` that is neither a string
 * nor null stays: dockerd refuses such a body, and must go on refusing it. A body that had a
 * `HostConfig` or legacy host fields is left to `edit` alone. Changes `body` in place.
 */
export function addingHostConfig<T>(body: JsonObject, apiVersion: string | undefined, edit: () => T): T {
  const wasNil = hostConfigIsNil(body);
  const result = edit();
  const host = field(body, 'HostConfig');
  if (!wasNil || !isObject(host)) return result;
  if (apiVersionBelow(apiVersion, '1.40')) setIfEmpty(host, 'IpcMode', 'private');
  if (apiVersionBelow(apiVersion, '1.41')) setIfEmpty(host, 'CgroupnsMode', 'private');
  const cpusets = mapEntries(body, 'Cpuset');
  if (cpusets.every(({ value }) => typeof value === 'string' || value === null)) {
    for (const { key } of cpusets) delete body[key];
  }
  return result;
}

/** Set `name` of `host` (under its spelling there, as Go matches it) to `value` where dockerd reads it as none given: absent, null or empty. */
function setIfEmpty(host: JsonObject, name: string, value: string): void {
  const current = field(host, name);
  if (current === undefined || current === null || current === '') goSet(host, name, value);
}
