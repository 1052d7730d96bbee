/**
 * `system/df` counts taken again from the containers the caller may see (df-counts.ts): a
 * shared volume's `UsageData.RefCount` counted other tenants' containers (rev-objects F2), as
 * each image's `Containers` once did; an image's `SharedSize` counted other tenants' images.
 */
import { describe, expect, it } from 'vitest';
import { countVisibleContainers } from '../../../src/tenancy/df-counts.js';

const vol = (name: string, refCount = 7, size = 100) => ({ Name: name, Driver: 'local', UsageData: { RefCount: refCount, Size: size } });
const mount = (name: string, type = 'volume') => ({ Type: type, Name: name, Destination: `/${name}` });
const container = (image: string, ...mounts: object[]) => ({ Id: `c-${image}`, ImageID: image, Mounts: mounts });

describe('countVisibleContainers', () => {
  it.each<[string, Record<string, unknown>, number[], number[]]>([
    // [case, df answer (Containers already filtered), volumes' RefCount, images' Containers]
    ['a shared volume used only by others', { Containers: [], Volumes: [vol('shared', 1)], Images: [{ Id: 'i1', Containers: 1 }] }, [0], [0]],
    ['one visible container of several', { Containers: [container('i1', mount('shared'))], Volumes: [vol('shared', 3)], Images: [{ Id: 'i1', Containers: 3 }] }, [1], [1]],
    ['a container mounting a volume twice counts once', { Containers: [container('i1', mount('v'), mount('v'))], Volumes: [vol('v', 1)], Images: [] }, [1], []],
    ['bind mounts are not volumes', { Containers: [container('i1', mount('v', 'bind'))], Volumes: [vol('v', 1)], Images: [] }, [0], []],
    ['two containers, two volumes', { Containers: [container('i1', mount('a'), mount('b')), container('i2', mount('a'))], Volumes: [vol('a', 5), vol('b', 5)], Images: [{ Id: 'i1' }, { Id: 'i2' }, { Id: 'i3', Containers: 2 }] }, [2, 1], [1, 1, 0]],
    ['containers without Mounts', { Containers: [{ ImageID: 'i1' }], Volumes: [vol('a', 2)], Images: [{ Id: 'i1' }] }, [0], [1]],
    ['Containers null (dockerd 20.10: none)', { Containers: null, Volumes: [vol('a', 2)], Images: [{ Id: 'i1', Containers: 2 }] }, [0], [0]],
    ['no Containers list: not computed', { Volumes: [vol('a', 2)], Images: [{ Id: 'i1', Containers: 2 }] }, [-1], [-1]],
  ])('%s', (_, doc, refCounts, imageCounts) => {
    countVisibleContainers(doc);
    expect((doc.Volumes as { UsageData: { RefCount: number } }[]).map((v) => v.UsageData.RefCount)).toEqual(refCounts);
    expect((doc.Images as { Containers: number }[]).map((i) => i.Containers)).toEqual(imageCounts);
  });

  it.each<[string, Record<string, unknown>[], unknown[]]>([
    // [case, images as dockerd answers them, their SharedSize after]
    ['a layer other images share (maybe another tenant\'s) is not counted', [{ Id: 'i1', Size: 500, SharedSize: 300 }], [-1]],
    ['no shared layer', [{ Id: 'i1', Size: 500, SharedSize: 0 }], [-1]],
    ['already not computed', [{ Id: 'i1', Size: 500, SharedSize: -1 }], [-1]],
    ['an answer without SharedSize gets none', [{ Id: 'i1', Size: 500 }], [undefined]],
  ])('image SharedSize: %s', (_, images, shared) => {
    const doc: Record<string, unknown> = { Containers: [], Images: images };
    countVisibleContainers(doc);
    expect((doc.Images as { SharedSize?: number }[]).map((i) => i.SharedSize)).toEqual(shared);
    expect((doc.Images as { Size: number }[]).map((i) => i.Size)).toEqual(images.map(() => 500));
  });

  it('keeps the size and the other fields; leaves a volume without UsageData alone', () => {
    const doc: Record<string, unknown> = { Containers: [], Volumes: [vol('a', 4, 1234), { Name: 'b', UsageData: null }, { Name: 'c' }] };
    countVisibleContainers(doc);
    expect(doc.Volumes).toEqual([{ Name: 'a', Driver: 'local', UsageData: { RefCount: 0, Size: 1234 } }, { Name: 'b', UsageData: null }, { Name: 'c' }]);
  });
});
