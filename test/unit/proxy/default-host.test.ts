/**
 * The Host hijack() adds to an upgrade request that came without one (HTTP/1.0): the one Node's
 * client writes on the request path for the same upstream.
 */
import { describe, expect, it } from 'vitest';
import { defaultHostHeader, hasHostHeader } from '../../../src/proxy/default-host.js';

describe('defaultHostHeader', () => {
  it.each([
    ['a unix socket', { socketPath: '/var/run/docker.sock' }, 'localhost'],
    ['TCP with a port', { host: '127.0.0.1', port: 2375 }, '127.0.0.1:2375'],
    ['TCP on port 80', { host: 'docker.internal', port: 80 }, 'docker.internal'],
    ['an IPv6 address', { host: '::1', port: 2375 }, '[::1]:2375'],
  ])('%s', (_name, address, expected) => {
    expect(defaultHostHeader(address)).toBe(expected);
  });
});

describe('hasHostHeader', () => {
  it.each([
    [['Connection', 'Upgrade', 'Upgrade', 'tcp'], false],
    [['host', 'x'], true],
    [['HOST', 'x', 'Upgrade', 'tcp'], true],
    [['X-Host', 'x', 'Hostname', 'y'], false],
  ])('%j: %s', (raw, expected) => {
    expect(hasHostHeader(raw)).toBe(expected);
  });
});
