import { describe, expect, it } from 'vitest';
import { field, goFold } from '../../../src/facts/go-fold.js';
import { decodeGoJson } from '../../../src/facts/go-json.js';

describe('goFold (encoding/json field folding)', () => {
  const cases: Array<[string, string]> = [
    ['Privileged', 'PRIVILEGED'],
    ['privileged', 'PRIVILEGED'],
    ['ſecurityOpt', 'SECURITYOPT'], // U+017F long s folds to S
    ['\u212aernel', 'KERNEL'], // Kelvin sign folds to K
    ['straße', 'STRAßE'], // no simple upper case for ß: Go keeps it
    ['Binds_1', 'BINDS_1'],
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
