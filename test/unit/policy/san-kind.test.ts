import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../../src/core/canonical-ip.js';
import { sanKind } from '../../../src/policy/san-kind.js';

describe('canonicalIp: one spelling per address', () => {
  it.each([
    ['::1', '0:0:0:0:0:0:0:1'],
    ['0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1'],
    ['0000::0001', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['1::', '1:0:0:0:0:0:0:0'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['fe80::1', 'fe80:0:0:0:0:0:0:1'],
    ['FE80:0:0:0:0:0:0:1', 'fe80:0:0:0:0:0:0:1'],
    ['2001:DB8::0005', '2001:db8:0:0:0:0:0:5'],
    ['::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1'],
    ['0:0:0:0:0:FFFF:7F00:1', '0:0:0:0:0:ffff:7f00:1'],
    ['::1.2.3.4', '0:0:0:0:0:0:102:304'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['127.0.0.1', '127.0.0.1'],
    ['fe80::1%eth0', undefined],
    ['spiffe://x', undefined],
    ['a:b', undefined],
    ['robot.example', undefined],
  ])('%s -> %s', (text, want) => {
    expect(canonicalIp(text)).toBe(want);
  });
});

describe('sanKind', () => {
  it.each([
    ['10.0.0.7', 'ip'],
    ['::1', 'ip'],
    ['fe80::1', 'ip'],
    ['0:0:0:0:0:0:0:1', 'ip'],
    ['spiffe://example.org/ci', 'uri'],
    ['urn:x', 'uri'],
    ['ops@example.org', 'email'],
    ['robot.example', 'dns'],
  ])('%s is %s', (value, kind) => {
    expect(sanKind(value)).toBe(kind);
  });
});
