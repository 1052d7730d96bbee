/**
 * Which top-level keys of a container create dockerd 20.10 decodes into the embedded (legacy)
 * HostConfig: those that fold, as Go folds names, to one of its fields (rev-interplay F4: an
 * unknown key was counted as one, so the gateway believed dockerd had a HostConfig it had not).
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { hasLegacyHostFields, isLegacyHostKey } from '../../../src/facts/legacy-host-fields.js';

describe('isLegacyHostKey', () => {
  const cases: Array<[string, boolean]> = [
    // HostConfig's own fields, tagged names and case-folded spellings.
    ['Binds', true], ['binds', true], ['Privileged', true], ['Dns', true], ['DNSSEARCH', true], ['CgroupnsMode', true],
    ['UTSMode', true], ['Init', true], ['Mounts', true], ['ConsoleSize', true],
    // Resources' fields (embedded in HostConfig).
    ['Memory', true], ['memoryswap', true], ['CpuShares', true], ['NanoCpus', true], ['KernelMemoryTCP', true], ['PidsLimit', true],
    ['IOMaximumBandwidth', true],
    // Go folds ſ to S and the Kelvin sign to K.
    ['ſecurityOpt', true], ['\u212AernelMemory', true],
    // Config and wrapper fields.
    ['Image', false], ['Cmd', false], ['Labels', false], ['Cpuset', false], ['Cpuſet', false], ['HostConfig', false],
    ['NetworkingConfig', false], ['StopTimeout', false], ['MacAddress', false], ['Hostname', false],
    // No field of dockerd 20.10's HostConfig (19.03's and API 1.43's), which allocate none there (rev-fix-stage R1).
    ['Capabilities', false], ['DiskQuota', false], ['Annotations', false],
    // No field at all: dockerd ignores them.
    ['Foo', false], ['', false], ['Resources', false], ['Network', false], ['CpusetCpu', false], ['Memory ', false],
  ];
  it.each(cases)('%s: %s', (key, want) => {
    expect(isLegacyHostKey(key)).toBe(want);
  });
});

describe('hasLegacyHostFields', () => {
  const cases: Array<[string, JsonObject, boolean]> = [
    ['Config keys only', { Image: 'busybox', Cmd: ['true'] }, false],
    ['an unknown key (the reviewer\'s body)', { Image: 'busybox', Cmd: ['true'], Foo: 1 }, false],
    ['an unknown key and the wrapper\'s Cpuset', { Image: 'busybox', Foo: 1, Cpuset: '0' }, false],
    ['a host field beside an unknown key', { Image: 'busybox', Foo: 1, Memory: 0 }, true],
    ['a null host field', { Image: 'busybox', Binds: null }, true],
  ];
  it.each(cases)('%s', (_name, body, want) => {
    expect(hasLegacyHostFields(body)).toBe(want);
  });
});
