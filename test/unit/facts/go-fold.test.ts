import { afterEach, describe, expect, it, vi } from 'vitest';
import { field, fieldAt, fieldPath, goFold, goKey, mapEntries } from '../../../src/facts/go-fold.js';
import { decodeGoJson } from '../../../src/facts/go-json.js';

describe('goFold (encoding/json field folding)', () => {
  const cases: Array<[string, string]> = [
    ['Privileged', 'PRIVILEGED'],
    ['privileged', 'PRIVILEGED'],
    ['ſecurityOpt', 'SECURITYOPT'], // U+017F long s folds to S
    ['\u212aernel', 'KERNEL'], // Kelvin sign folds to K
    ['straße', 'STRAßE'], // no simple upper case for ß: Go keeps it
    ['Binds_1', 'BINDS_1'],
    ['\u0130mage', 'IMAGE'], // capital I with dot: Go lowers it to i
    ['\u0131mage', 'IMAGE'], // dotless i upper-cases to I
    ['a-b.c{}~', 'A-B.C{}~'], // ASCII punctuation is kept
    ['', ''],
  ];
  it.each(cases)('%j -> %j', (name, folded) => {
    expect(goFold(name)).toBe(folded);
  });

  it('makes different spellings of one field collide', () => {
    expect(goFold('HostConfig')).toBe(goFold('hOSTcONFIG'));
    expect(goFold('Kind')).toBe(goFold('\u212aind'));
    expect(goFold('Image')).not.toBe(goFold('Images'));
  });
});

describe('field (struct lookup with Go matching)', () => {
  const body = decodeGoJson(new TextEncoder().encode('{"hostconfig":{"ſecurityOpt":["seccomp=unconfined"],"Privileged":true}}'));
  it('finds fields whatever their spelling', () => {
    expect(field(body, 'HostConfig', 'Privileged')).toBe(true);
    expect(field(body, 'HostConfig', 'SecurityOpt')).toEqual(['seccomp=unconfined']);
  });
  it('returns undefined for missing paths', () => {
    expect(field(body, 'HostConfig', 'CapAdd')).toBeUndefined();
    expect(field(body, 'HostConfig', 'Privileged', 'x')).toBeUndefined();
    expect(field(undefined, 'HostConfig')).toBeUndefined();
  });
});

describe('fieldAt (a path prepared once) finds what field finds', () => {
  const decode = (text: string) => decodeGoJson(new TextEncoder().encode(text));
  const bodies: Array<[string, unknown]> = [
    ['folded spellings', decode('{"hostconfig":{"ſecurityOpt":["seccomp=unconfined"],"PRIVILEGED":true},"\u212aernelMemory":1}')],
    ['exact spellings', decode('{"HostConfig":{"SecurityOpt":[],"Privileged":false},"KernelMemory":2}')],
    ['a decoded map (exact keys only)', decode('{"HostConfig":{"Privileged":null},"Labels":{"privileged":"x","Privileged":"y"},"DriverOpts":{"DEVICE":"/"}}')],
    ['not decoded (keys scanned)', { hostconfig: { privileged: true }, kernelmemory: 3 }],
    // Not decoded, exact and folded spellings side by side: the exact key wins, at every step.
    ['not decoded, exact beside folded', { hostconfig: { Privileged: true }, HostConfig: { privileged: true, Privileged: false }, PRIVILEGED: true, Privileged: null, kernelMEMORY: 4 }],
    ['HostConfig not an object', decode('{"HostConfig":["Privileged"],"Privileged":true}')],
    ['no body', undefined],
  ];
  const paths = [
    ['HostConfig', 'Privileged'],
    ['HostConfig', 'SecurityOpt'],
    ['HostConfig', 'CapAdd'],
    ['HostConfig'],
    ['Privileged'],
    ['KernelMemory'],
    ['Labels', 'privileged'],
    ['Labels', 'PRIVILEGED'],
    ['DriverOpts', 'device'],
    ['HostConfig', 'Privileged', 'x'],
    [],
  ];
  it.each(bodies)('%s', (_name, body) => {
    for (const path of paths) expect([path, fieldAt(body as never, fieldPath(...path))]).toEqual([path, field(body as never, ...path)]);
  });
  it('folds each name once, when the path is prepared', () => {
    expect(fieldPath('HostConfig', 'ſecurityOpt')).toEqual([
      { name: 'HostConfig', folded: 'HOSTCONFIG' },
      { name: 'ſecurityOpt', folded: 'SECURITYOPT' },
    ]);
  });
});

describe('lookups in a decoded Go map', () => {
  const body = decodeGoJson(new TextEncoder().encode('{"DriverOpts":{"DEVICE":"/","type":"tmpfs","device":"tmpfs","Device":"/etc"},"Labels":{"A":"1"}}'));
  it('field and goKey match a map key exactly, as Go does (no folded pick among spellings)', () => {
    expect(field(body, 'DriverOpts', 'device')).toBe('tmpfs');
    expect(field(body, 'DriverOpts', 'Type')).toBeUndefined();
    expect(field(body, 'Labels', 'a')).toBeUndefined();
    expect(goKey(field(body, 'labels') as never, 'A')).toBe('A');
  });
  it('mapEntries returns every spelling, in body order', () => {
    expect(mapEntries(field(body, 'DriverOpts'), 'device')).toEqual([
      { key: 'DEVICE', value: '/' },
      { key: 'device', value: 'tmpfs' },
      { key: 'Device', value: '/etc' },
    ]);
    expect(mapEntries(field(body, 'DriverOpts'), 'o')).toEqual([]);
    expect(mapEntries({ 'ſize': '1', size: '2', sizes: '3', SIZE: '4', '\u212aey': '5' }, 'size')).toEqual([
      { key: 'ſize', value: '1' },
      { key: 'size', value: '2' },
      { key: 'SIZE', value: '4' },
    ]);
    expect(mapEntries({ '\u212aey': '5', key: '6' }, 'KEY')).toEqual([{ key: '\u212aey', value: '5' }, { key: 'key', value: '6' }]);
    expect(mapEntries(undefined, 'device')).toEqual([]);
    expect(mapEntries(['device'], 'device')).toEqual([]);
  });
});

describe('field on objects the decoder did not produce', () => {
  it('folds by scanning the keys', () => {
    const plain = { hostconfig: { privileged: true } };
    expect(field(plain, 'HostConfig', 'Privileged')).toBe(true);
    expect(goKey(plain, 'HostConfig')).toBe('hostconfig');
    expect(goKey(plain, 'Image')).toBeUndefined();
  });
});

describe('field on a decoded body with many keys', () => {
  afterEach(() => vi.restoreAllMocks());
  const keys = Array.from({ length: 20000 }, (_, i) => `"k${i}":${i}`);
  const body = decodeGoJson(new TextEncoder().encode(`{"privILEGED":true,${keys.join(',')},"HostConfig":{"capadd":["ALL"]}}`));

  it('finds folded spellings and misses without a pass over the keys', () => {
    // Every guard looks up fields that are usually absent; a pass over 20000 keys per lookup
    // made one crafted 4 MiB body hold the event loop for seconds.
    const keysSpy = vi.spyOn(Object, 'keys');
    expect(field(body, 'Privileged')).toBe(true);
    expect(field(body, 'HostConfig', 'CapAdd')).toEqual(['ALL']);
    expect(field(body, 'K19999')).toBe(19999);
    for (const name of ['CapDrop', 'Devices', 'PidMode', 'SecurityOpt', 'Binds']) expect(field(body, name)).toBeUndefined();
    expect(keysSpy).not.toHaveBeenCalled();
  });
});
