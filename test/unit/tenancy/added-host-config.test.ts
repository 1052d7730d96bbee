/**
 * A HostConfig the gateway adds to a create without one is completed as dockerd would have
 * acted on the client's body (found by a review comparing dockerd 20.10 with and without a HostConfig).
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { addingHostConfig, hostConfigIsNil } from '../../../src/tenancy/added-host-config.js';
import { goObjectAt } from '../../../src/tenancy/labels.js';

/** The gateway's edit: a memory limit in the HostConfig dockerd reads, as tenancy injects it. */
function addMemory(body: JsonObject): void {
  goObjectAt(body, 'HostConfig').Memory = 1;
}

describe('hostConfigIsNil', () => {
  const cases: Array<[string, JsonObject, boolean]> = [
    ['no HostConfig, only Config and wrapper keys', { Image: 'b', Cmd: ['x'], Cpuset: '0', NetworkingConfig: {} }, true],
    ['a null HostConfig', { Image: 'b', hostconfig: null }, true],
    ['Cpuſet: Go folds ſ to S, so it is the wrapper\'s Cpuset, no host field', { Image: 'b', 'Cpuſet': '0' }, true],
    ['a HostConfig, even empty', { Image: 'b', HostConfig: {} }, false],
    ['a legacy top-level host field (dockerd decodes the top level into a HostConfig)', { Image: 'b', Memory: 0 }, false],
    ['a legacy field that is null (Go allocates the embedded HostConfig for it)', { Image: 'b', HostConfig: null, Binds: null }, false],
    // rev-interplay F4: Go allocates the embedded HostConfig only for a key that is one of its fields.
    ['an unknown top-level key is no host field', { Image: 'b', Cmd: ['true'], Foo: 1, Cpuset: '0' }, true],
  ];
  it.each(cases)('%s', (_name, body, want) => {
    expect(hostConfigIsNil(body)).toBe(want);
  });
});

describe('addingHostConfig', () => {
  const cases: Array<[string, string | undefined, JsonObject, JsonObject]> = [
    ['below 1.40: IpcMode and CgroupnsMode private (dockerd would force shareable, and host on cgroup v1), the top-level Cpuset removed', '1.39',
      { Image: 'b', Cpuset: '0' },
      { Image: 'b', HostConfig: { Memory: 1, IpcMode: 'private', CgroupnsMode: 'private' } }],
    ['a null HostConfig counts as none, under its spelling', '1.24',
      { Image: 'b', hostconfig: null },
      { Image: 'b', hostconfig: { Memory: 1, IpcMode: 'private', CgroupnsMode: 'private' } }],
    // rev-interplay F3: dockerd forces the host cgroup namespace below 1.41 on a HostConfig it got, not on a body without one.
    ['1.40: IpcMode left to the daemon, CgroupnsMode private, Cpuset removed (getHostConfig copies it at every version)', '1.40',
      { Image: 'b', Cpuset: '0-1' },
      { Image: 'b', HostConfig: { Memory: 1, CgroupnsMode: 'private' } }],
    ['1.41 and later: both modes left to the daemon', '1.41',
      { Image: 'b' },
      { Image: 'b', HostConfig: { Memory: 1 } }],
    ['no version prefix: the daemon\'s own, not below 1.40', undefined,
      { Image: 'b', CPUSET: '0' },
      { Image: 'b', HostConfig: { Memory: 1 } }],
    ['every Go-folded spelling of Cpuset, null too', '1.41',
      { Image: 'b', cpuset: '0', 'Cpuſet': '1', CpuSet: null },
      { Image: 'b', HostConfig: { Memory: 1 } }],
    ['a Cpuset dockerd cannot decode stays (dockerd refuses the body, and must go on refusing it)', '1.41',
      { Image: 'b', Cpuset: 0 },
      { Image: 'b', Cpuset: 0, HostConfig: { Memory: 1 } }],
    ['one spelling dockerd cannot decode keeps them all (found by a mutation review)', '1.41',
      { Image: 'b', cpuset: '0', Cpuset: 0 },
      { Image: 'b', cpuset: '0', Cpuset: 0, HostConfig: { Memory: 1 } }],
    ['the client\'s HostConfig: nothing but the edit', '1.39',
      { Image: 'b', Cpuset: '0', HostConfig: {} },
      { Image: 'b', Cpuset: '0', HostConfig: { Memory: 1 } }],
    ['an unknown top-level key (dockerd ignores it): the HostConfig is still the first, completed as any', '1.39',
      { Image: 'b', Foo: 1, Cpuset: '0' },
      { Image: 'b', Foo: 1, HostConfig: { Memory: 1, IpcMode: 'private', CgroupnsMode: 'private' } }],
    ['legacy host fields: dockerd had a HostConfig already, nothing but the edit', '1.39',
      { Image: 'b', Cpuset: '0', Privileged: false },
      { Image: 'b', Cpuset: '0', Privileged: false, HostConfig: { Memory: 1 } }],
  ];
  it.each(cases)('%s', (_name, version, body, want) => {
    addingHostConfig(body, version, () => addMemory(body));
    expect(body).toEqual(want);
  });

  it('an edit that adds no HostConfig changes nothing more, and its result is returned', () => {
    const body: JsonObject = { Image: 'b', Cpuset: '0' };
    expect(addingHostConfig(body, '1.39', () => 'problem')).toBe('problem');
    expect(body).toEqual({ Image: 'b', Cpuset: '0' });
  });

  it('an IpcMode and a CgroupnsMode the edit wrote are kept', () => {
    const body: JsonObject = { Image: 'b' };
    addingHostConfig(body, '1.39', () => { Object.assign(goObjectAt(body, 'HostConfig'), { IpcMode: 'none', cgroupnsmode: 'host' }); });
    expect(body).toEqual({ Image: 'b', HostConfig: { IpcMode: 'none', cgroupnsmode: 'host' } });
  });

  it.each<[string, JsonObject['x']]>([['empty', ''], ['null', null]])('an %s CgroupnsMode the edit wrote is set to private below 1.41, under its spelling', (_name, mode) => {
    const body: JsonObject = { Image: 'b' };
    addingHostConfig(body, '1.40', () => { goObjectAt(body, 'HostConfig').cgroupnsMode = mode; });
    expect(body).toEqual({ Image: 'b', HostConfig: { cgroupnsMode: 'private' } });
  });

  // dockerd reads an empty or null IpcMode as none given (found by a mutation review).
  it.each<[string, JsonObject['x']]>([['empty', ''], ['null', null]])('an %s IpcMode the edit wrote is set to private below 1.40', (_name, ipc) => {
    const body: JsonObject = { Image: 'b' };
    addingHostConfig(body, '1.39', () => { goObjectAt(body, 'HostConfig').IpcMode = ipc; });
    expect(body).toEqual({ Image: 'b', HostConfig: { IpcMode: 'private', CgroupnsMode: 'private' } });
  });
});
