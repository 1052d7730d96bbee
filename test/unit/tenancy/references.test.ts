/** The objects a create body refers to (references.ts): containers, volumes, networks, links and DNS names. */
import { describe, expect, it } from 'vitest';
import { createReferences, endpointLinkNames, endpointNames, parseLink } from '../../../src/tenancy/references.js';

describe('references in a create body', () => {
  it('finds containers, volumes and networks, case-folded like Go', () => {
    const refs = createReferences({
      hostconfig: {
        VolumesFrom: ['a:ro'],
        NetworkMode: 'container:b',
        PidMode: 'container:c',
        Links: ['/d:/me/alias'],
        Binds: ['vol1:/data', '/host:/h', './rel:/r'],
        Mounts: [{ Type: 'volume', Source: 'vol2' }, { Type: 'bind', Source: '/x' }],
      },
      NetworkingConfig: { EndpointsConfig: { net1: {}, bridge: {} } },
    });
    expect(refs.map((r) => `${r.kind}:${r.name}`)).toEqual(['containers:a', 'containers:b', 'containers:c', 'containers:d', 'volumes:vol1', 'volumes:vol2', 'networks:net1']);
  });

  it('the legacy top-level copies of the HostConfig fields are references too (dockerd uses them without a HostConfig)', () => {
    const refs = createReferences({
      Image: 'busybox',
      VolumesFrom: ['a'],
      IpcMode: 'container:b',
      Links: ['c:alias'],
      Binds: ['vol1:/data'],
      Mounts: [{ Type: 'volume', Source: 'vol2' }],
      NetworkMode: 'net1',
    });
    expect(refs.map((r) => `${r.kind}:${r.name}:${r.where}`)).toEqual([
      'containers:a:VolumesFrom', 'networks:net1:NetworkMode', 'containers:b:IpcMode', 'containers:c:Links', 'volumes:vol1:Binds', 'volumes:vol2:Mounts',
    ]);
  });

  // Aliases or Links that are set (a non-empty list, or any other non-null value) give DNS names.
  it.each([
    [{ Aliases: ['a'] }, true],
    [{ Links: ['c:alias'] }, true],
    [{ Aliases: [], Links: ['c'] }, true],
    [{ Aliases: ['a'], Links: [] }, true],
    [{ aliases: 'x' }, true],
    [{ Aliases: [], Links: [] }, false],
    [{ Aliases: null, Links: null }, false],
    [{ IPAMConfig: {} }, false],
    [undefined, false],
  ])('endpointNames(%j)', (endpoint, want) => {
    expect(endpointNames(endpoint as never)).toBe(want);
  });

  it.each([
    ['c', { name: 'c', alias: 'c' }],
    ['/c', { name: 'c', alias: '/c' }],
    ['c:alias', { name: 'c', alias: 'alias' }],
    ['/c:/me/alias', { name: 'c', alias: 'alias' }],
    ['', undefined],
    ['a:b:c', undefined],
  ])('parseLink(%j)', (link, want) => {
    expect(parseLink(link)).toEqual(want);
  });

  it.each([
    [{ Links: ['c:alias', 'a:b:c', 'd'] }, ['c', 'd']],
    [{ Links: [] }, []],
    [{}, []],
  ])('endpointLinkNames(%j)', (endpoint, want) => {
    expect(endpointLinkNames(endpoint as never)).toEqual(want);
  });

  it('a user network in NetworkMode is a reference; built-in modes are not', () => {
    expect(createReferences({ HostConfig: { NetworkMode: 'mynet' } })).toEqual([{ kind: 'networks', name: 'mynet', where: 'HostConfig.NetworkMode' }]);
    expect(createReferences({ HostConfig: { NetworkMode: 'host' } })).toEqual([]);
  });
});
