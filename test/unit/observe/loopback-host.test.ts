import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackName, loopbackHostHeader } from '../../../src/admin/loopback-host.js';

describe('loopbackHostHeader (DNS rebinding)', () => {
  it.each([
    ['127.0.0.1:9376', true],
    ['127.0.0.1', true],
    ['127.1.2.3:80', true],
    ['localhost:9376', true],
    ['LOCALHOST', true],
    ['localhost.:9376', true],
    ['prometheus.localhost:9376', true],
    ['[::1]:9376', true],
    ['[::1]', true],
    [undefined, true], // HTTP/1.0 without Host: not a browser
    ['attacker.example:9376', false],
    ['attacker.example', false],
    ['127.0.0.1.attacker.example:9376', false], // a DNS name the attacker controls
    ['127.attacker.example', false],
    ['localhost.attacker.example', false],
    ['evil/.localhost', false],
    ['10.0.0.1:9376', false],
    ['0.0.0.0:9376', false],
    ['[::2]:9376', false],
    ['[::1', false],
    ['::1', true], // unbracketed (not valid in a Host, and no browser sends it): read whole
    ['', false],
  ])('%j -> %j', (host, want) => {
    expect(loopbackHostHeader(host)).toBe(want);
  });
});

describe('isLoopbackName (the listen address)', () => {
  it.each([
    ['127.0.0.1', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.0.2.1', false],
    ['gw.example.com', false],
  ])('%j -> %j', (host, want) => {
    expect(isLoopbackName(host)).toBe(want);
  });
});

describe('isLoopbackAddress (the address bound, which decides the Host check and the admin-open warning)', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.1.1', true], // Debian's /etc/hosts entry for the machine's name
    ['127.255.255.254', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['0000:0000:0000:0000:0000:0000:0000:0001', true],
    ['::0:1', true],
    ['::ffff:127.0.0.1', true], // IPv4-mapped
    ['::FFFF:127.9.8.7', true],
    ['::ffff:7f00:1', true], // the same, in hex groups
    ['0:0:0:0:0:ffff:7f00:1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['::2', false],
    ['::127.0.0.1', false], // IPv4-compatible (deprecated), not loopback
    ['::ffff:10.0.0.1', false],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['fe80::1', false],
    ['2001:db8::1', false],
    ['localhost', false], // a name, never a bound address
    ['', false],
  ])('%j -> %j', (address, want) => {
    expect(isLoopbackAddress(address)).toBe(want);
  });
});
