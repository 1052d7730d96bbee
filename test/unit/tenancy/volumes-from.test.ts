/** The volumes a VolumesFrom source passes on, and which volume names are anonymous. Pure. */
import { describe, expect, it } from 'vitest';
import { isAnonymousVolumeName } from '../../../src/tenancy/anonymous-volume.js';
import type { Reference } from '../../../src/tenancy/references.js';
import { isVolumesFrom, sourceVolumes } from '../../../src/tenancy/volumes-from.js';

const HEX = '0123456789abcdef'.repeat(4);

describe('isAnonymousVolumeName: 64 lowercase hex digits, as dockerd names them', () => {
  it.each([
    [HEX, true],
    [HEX.slice(1), false],
    [HEX + '0', false],
    [HEX.toUpperCase(), false],
    [HEX.slice(0, 63) + 'g', false],
    ['sharedvol', false],
    ['', false],
  ])('%s: %s', (name, anonymous) => {
    expect(isAnonymousVolumeName(name)).toBe(anonymous);
  });
});

describe('sourceVolumes: the named volumes among the source container\'s mount points', () => {
  const ref: Reference = { kind: 'containers', name: 'holder', where: 'HostConfig.VolumesFrom' };
  const where = 'mounted by container "holder" of HostConfig.VolumesFrom';
  it.each([
    ['no Mounts', {}, []],
    ['Mounts not a list', { Mounts: 'x' }, []],
    ['a named and an anonymous volume', { Mounts: [{ Type: 'volume', Name: 'data' }, { Type: 'volume', Name: HEX }] }, ['data', HEX]],
    ['binds, tmpfs and a volume entry without a name are left', { Mounts: [{ Type: 'bind', Source: '/etc' }, { Type: 'tmpfs', Destination: '/t' }, { Type: 'volume', Name: '' }, { Type: 'volume' }] }, []],
  ])('%s', (_name, raw, names) => {
    expect(sourceVolumes(ref, raw)).toEqual(names.map((name) => ({ kind: 'volumes', name, where })));
  });
  it.each([
    [{ kind: 'containers', name: 'x', where: 'HostConfig.VolumesFrom' }, true],
    [{ kind: 'containers', name: 'x', where: 'VolumesFrom' }, true],
    [{ kind: 'containers', name: 'x', where: 'HostConfig.Links' }, false],
    [{ kind: 'containers', name: 'x', where: 'HostConfig.PidMode' }, false],
    [{ kind: 'volumes', name: 'x', where: 'HostConfig.Binds' }, false],
  ] as [Reference, boolean][])('isVolumesFrom %o', (r, expected) => {
    expect(isVolumesFrom(r)).toBe(expected);
  });
});
