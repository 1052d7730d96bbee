import { describe, expect, it } from 'vitest';
import { isLoopbackName, loopbackHostHeader } from '../../../src/admin/loopback-host.js';

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
