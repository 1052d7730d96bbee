import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { nullPointerElement } from '../../../src/facts/null-elements.js';

describe('nullPointerElement', () => {
  const cases: Array<[string, JsonValue | undefined, string | undefined]> = [
    ['ContainerCreate', { HostConfig: { Ulimits: [null] } }, 'HostConfig.Ulimits'],
    ['ContainerCreate', { hostconfig: { ULIMITS: [{ Name: 'nofile', Soft: 1, Hard: 1 }, null] } }, 'HostConfig.Ulimits'],
    ['ContainerCreate', { Ulimits: [null] }, 'Ulimits'], // the legacy top-level copy
    ['ContainerCreate', { HostConfig: { BlkioWeightDevice: [null] } }, 'HostConfig.BlkioWeightDevice'],
    ['ContainerCreate', { HostConfig: { BlkioDeviceWriteIOps: [null] } }, 'HostConfig.BlkioDeviceWriteIOps'],
    ['ContainerUpdate', { BlkioDeviceReadBps: [null] }, 'BlkioDeviceReadBps'],
    ['ServiceUpdate', { TaskTemplate: { ContainerSpec: { Ulimits: [null] } } }, 'TaskTemplate.ContainerSpec.Ulimits'],
    ['ContainerCreate', { HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 1 }] } }, undefined],
    ['ContainerCreate', { HostConfig: { Ulimits: null } }, undefined], // a null list is an empty one
    ['ContainerCreate', { HostConfig: { Ulimits: [] } }, undefined],
    ['ContainerCreate', { HostConfig: { Devices: [null] } }, undefined], // a list of values: Go zeroes it
    ['ContainerCreate', { Env: [null] }, undefined],
    ['ContainerCreate', undefined, undefined],
    ['ContainerUpdate', { HostConfig: { Ulimits: [null] } }, undefined], // update reads the top level only
    ['VolumeCreate', { Ulimits: [null] }, undefined],
    ['ServiceCreate', { TaskTemplate: { containerspec: { BlkioDeviceReadIOps: [null] } } }, 'TaskTemplate.ContainerSpec.BlkioDeviceReadIOps'],
    ['ServiceCreate', { Ulimits: [null] }, undefined], // a service's lists are in its container spec only
    ['ContainerStart', { HostConfig: { Ulimits: [null] } }, undefined], // a start body is refused before this check (build-facts.ts)
    // The first null list named: HostConfig's before the legacy top level, Ulimits before the Blkio lists.
    ['ContainerCreate', { Ulimits: [null], HostConfig: { BlkioDeviceReadBps: [null] } }, 'HostConfig.BlkioDeviceReadBps'],
    ['ContainerCreate', { HostConfig: { BlkioDeviceReadBps: [null], Ulimits: [null] } }, 'HostConfig.Ulimits'],
  ];
  it.each(cases)('%s %j -> %s', (op, body, want) => {
    expect(nullPointerElement(op, body)).toBe(want);
  });
});
