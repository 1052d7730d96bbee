import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../../src/core/canonical-ip.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { hasSan, sanKind, type SanKind } from '../../../src/policy/san-kind.js';
import { identity, req } from './fixtures.js';

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
  it.each<[string, SanKind]>([
    ['10.0.0.7', 'ip'],
    ['0:0:0:0:0:0:0:1', 'ip'],
    ['FE80:0:0:0:0:0:0:1', 'ip'],
    // And as written by hand.
    ['::1', 'ip'],
    ['fe80::1', 'ip'],
    ['2001:DB8:0:0:0:0:0:1', 'ip'],
    ['spiffe://example.org/ci', 'uri'],
    ['urn:example:robot', 'uri'],
    // Two hex groups are no IPv6 address: a URI (scheme 'cafe').
    ['cafe:beef', 'uri'],
    // A URI holding '@' is still a URI.
    ['mailto:ops@example.org', 'uri'],
    ['https://user@example.org/', 'uri'],
    ['ops@example.org', 'email'],
    ['robot.example', 'dns'],
    // A DNS name that begins or ends like an IPv4 address is a DNS name.
    ['10.0.0.7.example.org', 'dns'],
    ['x10.0.0.7', 'dns'],
    ['10.0.0.7x', 'dns'],
  ])('%s -> %s', (value, kind) => {
    expect(sanKind(value)).toBe(kind);
  });

  it('an email SAN spelled as a URI holding @ does not pass for that URI', () => {
    const policy = loadPolicy(`
version: 1
rules:
  - name: by-uri
    who: { sans: ['spiffe://ops@example.org/ci'] }
    allow: [SystemInfo]
`);
    expect(decide(policy, identity('x', [], { uri: ['spiffe://ops@example.org/ci'] }), req('GET', '/info')).outcome).toBe('allow');
    expect(decide(policy, identity('x', [], { email: ['spiffe://ops@example.org/ci'] }), req('GET', '/info')).outcome).toBe('deny');
  });
});

describe('hasSan: an IP entry matches one of the identity\'s IP SANs, as addresses (mutation review s29)', () => {
  const sans = (ip: string[]) => ({ sans: { dns: ['10.0.0.7'], ip, uri: [], email: [] } });
  it.each<[string, string[], boolean]>([
    ['10.0.0.7', [], false],
    ['::1', [], false],
    ['10.0.0.7', ['10.0.0.1', '10.0.0.7'], true],
    ['10.0.0.7', ['10.0.0.1'], false],
    ['::1', ['10.0.0.1', '0:0:0:0:0:0:0:1'], true],
  ])('%s with IP SANs %j -> %s', (entry, ip, want) => {
    expect(hasSan(sans(ip), entry)).toBe(want);
  });
});
