/**
 * The proof of creation through the gateway (src/tenancy/container-seal.ts): a container's
 * owner labels count only when its `dockgate.created` label is there and differs from its
 * image's. Pure tables, and the image-label cache it reads through (image-labels.ts).
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { containerOwnership, CREATED_LABEL, freshCreatedValue, isBuilderStepContainer, listedCommand, mayBeOwned, quotaOwnership } from '../../../src/tenancy/container-seal.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import { ImageLabelCache, imageLabelCache } from '../../../src/tenancy/image-labels.js';
import type { Ownership } from '../../../src/tenancy/labels.js';

const alice = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };
const sealed = (mark: JsonValue, labels: Record<string, JsonValue> = alice) => ({ ...labels, [CREATED_LABEL]: mark });
const ALICE: Ownership = { owner: 'alice', team: 'web' };
const NOBODY: Ownership = {};

describe('containerOwnership: container labels x image labels', () => {
  it.each<[string, JsonValue | undefined, JsonValue | undefined, Ownership]>([
    ['made through the gateway, image without labels', sealed('c1'), {}, ALICE],
    ['made through the gateway, image from a commit (another mark)', sealed('c1'), sealed('c0'), ALICE],
    ['made through the gateway, image with owner labels of its own', sealed('c1'), { 'dockgate.owner': 'carol', 'dockgate.team': 'data' }, ALICE],
    ["made through the gateway from alice's own image", sealed('c1'), alice, ALICE],
    ['a classic-build RUN container under a Dockerfile LABEL of all three', sealed('forged'), sealed('forged'), NOBODY],
    ["a classic-build RUN container FROM a committed image (its mark)", sealed('c0'), sealed('c0'), NOBODY],
    ["a classic-build RUN container FROM alice's built image (no mark)", alice, alice, NOBODY],
    ['made before the mark existed (owner labels only)', alice, {}, NOBODY],
    ['an empty mark', sealed(''), {}, NOBODY],
    ['a mark that is not a string', sealed(7), {}, NOBODY],
    ['its image not found', sealed('c1'), undefined, NOBODY],
    ['no labels at all', undefined, {}, NOBODY],
    ['labels not a map', 'x', {}, NOBODY],
    ['a mark without an owner label', { [CREATED_LABEL]: 'c1' }, {}, NOBODY],
    ['a mark and only a team label', { 'dockgate.team': 'web', [CREATED_LABEL]: 'c1' }, {}, { team: 'web' }],
    ['the image mark differs only in case', sealed('ab'), sealed('AB'), ALICE],
    ['image labels null (none)', sealed('c1'), null, ALICE],
  ])('%s', (_name, labels, imageLabels, want) => {
    expect(containerOwnership(labels, imageLabels)).toEqual(want);
  });
});

describe('quotaOwnership: as containerOwnership, but a container whose image is gone counts for its labels (rev-seal2 F3)', () => {
  it.each<[string, JsonValue | undefined, JsonValue | undefined, Ownership]>([
    ['its image gone, a mark', sealed('c1'), undefined, ALICE],
    ['its image gone, no mark', alice, undefined, NOBODY],
    ['its image gone, an empty mark', sealed(''), undefined, NOBODY],
    ['its image here: as containerOwnership', sealed('c1'), {}, ALICE],
    ["its image here with the same mark: no one's", sealed('forged'), sealed('forged'), NOBODY],
  ])('%s', (_name, labels, imageLabels, want) => {
    expect(quotaOwnership(labels, imageLabels)).toEqual(want);
  });
});

describe('mayBeOwned: only containers with both an owner label and a mark need their image looked up', () => {
  it.each<[JsonValue | undefined, boolean]>([
    [sealed('c1'), true],
    [alice, false],
    [sealed(''), false],
    [{ [CREATED_LABEL]: 'c1' }, false],
    [undefined, false],
  ])('%j: %s', (labels, want) => {
    expect(mayBeOwned(labels)).toBe(want);
  });
});

describe("listedCommand: the Command of dockerd 20.10's container list (daemon/list.go)", () => {
  it.each<[string, string[], string]>([
    ['a path alone', ['/bin/sh'], '/bin/sh'],
    ['arguments joined by spaces', ['sh', '-c', 'true'], 'sh -c true'],
    ['an argument with a space in single quotes', ['sh', '-c', 'sleep 1000'], "sh -c 'sleep 1000'"],
    ["the builder's step: the mark quoted, still holding it", ['/bin/sh', '-c', '#(nop) ', 'LABEL a=b'], "/bin/sh -c '#(nop) ' 'LABEL a=b'"],
    ['the mark split over two arguments', ['sh', '-c', 'sleep 1000', '#(nop)', 'x'], "sh -c 'sleep 1000' #(nop) x"],
    ['a path with a space is not quoted', ['/a b', 'x'], '/a b x'],
    ['nothing', [], ''],
  ])('%s', (_name, parts, want) => {
    expect(listedCommand(parts)).toBe(want);
  });
});

describe('isBuilderStepContainer: the mark in any element, or across arguments as the list shows them (rev-fix-seal N1)', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ["a builder step's inspect answer", { Path: '/bin/sh', Args: ['-c', '#(nop) ', 'LABEL a=b'], Config: { Cmd: ['/bin/sh', '-c', '#(nop) ', 'LABEL a=b'] } }, true],
    ['split over two arguments (inspect)', { Path: 'sh', Args: ['-c', 'sleep 1000', '#(nop)', 'x'], Config: { Cmd: ['sh', '-c', 'sleep 1000', '#(nop)', 'x'] } }, true],
    ['split over the path and an argument (inspect)', { Path: '/x#(nop)', Args: ['y'], Config: { Entrypoint: ['/x#(nop)'], Cmd: ['y'] } }, true],
    ['split over two arguments (list item)', { Command: "sh -c 'sleep 1000' #(nop) x" }, true],
    ['the mark as the last argument (no space after it in the list)', { Path: 'echo', Args: ['#(nop)'], Config: { Cmd: ['echo', '#(nop)'] } }, false],
    ['no mark', { Path: 'sh', Args: ['-c', 'sleep 1000'], Config: { Cmd: ['sh', '-c', 'sleep 1000'] } }, false],
    ['no Path', { Config: {} }, false],
  ])('%s', (_name, doc, want) => {
    expect(isBuilderStepContainer(doc)).toBe(want);
  });
});

describe('freshCreatedValue', () => {
  it('is 128 random bits in hex, a new one each time', () => {
    const values = new Set(Array.from({ length: 100 }, freshCreatedValue));
    expect(values.size).toBe(100);
    for (const v of values) expect(v).toMatch(/^[0-9a-f]{32}$/);
  });
});

const ID = (d: string) => `sha256:${d.repeat(64)}`;
const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });

/** A daemon with images `images` (ID -> labels); every path asked is kept. */
function daemonOf(images: Record<string, unknown>, status = 200): DaemonClient & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get(path) {
      asked.push(path);
      const id = /^\/images\/(.*)\/json$/.exec(path)?.[1] ?? '';
      if (status !== 200) return Promise.resolve(answer(status, { message: 'boom' }));
      if (!(id in images)) return Promise.resolve(answer(404, { message: 'No such image' }));
      return Promise.resolve(answer(200, { Id: id, Config: { Labels: images[id] } }));
    },
  };
}

describe('ImageLabelCache', () => {
  it('looks an image up once and keeps its labels (none: {})', async () => {
    const d = daemonOf({ [ID('a')]: sealed('m'), [ID('b')]: null });
    const cache = new ImageLabelCache();
    expect(await cache.labelsOf(d, ID('a'))).toEqual(sealed('m'));
    expect(await cache.labelsOf(d, ID('a'))).toEqual(sealed('m'));
    expect(await cache.labelsOf(d, ID('b'))).toEqual({});
    expect(d.asked).toEqual([`/images/${ID('a')}/json`, `/images/${ID('b')}/json`]);
  });

  it('an image not found is undefined and not kept', async () => {
    const d = daemonOf({});
    const cache = new ImageLabelCache();
    expect(await cache.labelsOf(d, ID('c'))).toBeUndefined();
    expect(await cache.labelsOf(d, ID('c'))).toBeUndefined();
    expect(d.asked.length).toBe(2);
    expect(cache.size).toBe(0);
  });

  it.each(['', 'busybox', 'sha256:abc', ID('A'), `${ID('a')}x`, 'a'.repeat(64)])('%j is no image ID: undefined, nothing asked', async (ref) => {
    const d = daemonOf({ [ref]: {} });
    expect(await new ImageLabelCache().labelsOf(d, ref)).toBeUndefined();
    expect(d.asked).toEqual([]);
  });

  it('any other answer throws (the request is refused)', async () => {
    await expect(new ImageLabelCache().labelsOf(daemonOf({}, 500), ID('a'))).rejects.toThrow('daemon answered 500');
  });

  it('an answer for another image throws', async () => {
    const d: DaemonClient = { get: () => Promise.resolve(answer(200, { Id: ID('b'), Config: { Labels: {} } })) };
    await expect(new ImageLabelCache().labelsOf(d, ID('a'))).rejects.toThrow('when asked for');
  });

  it('is bounded: the least recently used image goes first', async () => {
    const d = daemonOf({ [ID('a')]: {}, [ID('b')]: {}, [ID('c')]: {} });
    const cache = new ImageLabelCache(2);
    await cache.labelsOf(d, ID('a'));
    await cache.labelsOf(d, ID('b'));
    await cache.labelsOf(d, ID('a'));
    await cache.labelsOf(d, ID('c'));
    expect(cache.size).toBe(2);
    d.asked.length = 0;
    await cache.labelsOf(d, ID('a'));
    await cache.labelsOf(d, ID('b'));
    expect(d.asked).toEqual([`/images/${ID('b')}/json`]);
  });

  it('one cache per daemon client', () => {
    const a = daemonOf({});
    expect(imageLabelCache(a)).toBe(imageLabelCache(a));
    expect(imageLabelCache(a)).not.toBe(imageLabelCache(daemonOf({})));
  });
});
