/**
 * IPv6 hosts become the right IP SANs, checked on the issued certificates with Node's parser
 * (the encoder read a dotted tail as one hex group: `::ffff:10.0.0.1` became `::255.255.0.16`).
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ipSanText } from '../../../src/pki/hosts.js';
import { initPki } from '../../../src/pki/init-pki.js';
import { readIndex, writeIndex } from '../../../src/pki/pki-index.js';
import { rotateServer } from '../../../src/pki/rotate-server.js';
import { tempDirs } from './helpers.js';

const tmp = tempDirs();

/** The IP SANs of a PEM certificate as Node prints them (`IP Address:0:0:0:0:0:FFFF:A00:1`). */
function ipSans(pem: string): string[] {
  return (new X509Certificate(pem).subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('IP Address:'))
    .map((s) => s.slice('IP Address:'.length));
}

describe('ipSanText', () => {
  test.each([
    ['10.0.0.1', '10.0.0.1'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['2001:DB8::5', '2001:db8:0:0:0:0:0:5'],
    ['2001:db8:0:0:1::', '2001:db8:0:0:1:0:0:0'],
    ['fe80::0001%eth0', 'fe80:0:0:0:0:0:0:1'],
    ['::ffff:10.0.0.1', '0:0:0:0:0:ffff:a00:1'],
    ['::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1'],
    ['::1.2.3.4', '0:0:0:0:0:0:102:304'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0:0:0:c000:221'],
    ['1:2:3:4:5:6:7.8.9.10', '1:2:3:4:5:6:708:90a'],
  ])('%j -> %j', (input, want) => {
    expect(ipSanText(input)).toBe(want);
  });

  test.each([['gw.example.com'], ['::ffff:10.0.0.256'], ['']])('%j throws', (input) => {
    expect(() => ipSanText(input)).toThrow(/not an IP address/);
  });
});

describe('IP SANs of issued server certificates', () => {
  test.each([
    // --host, what Node prints for it, an address checkIP must accept
    ['::1', '0:0:0:0:0:0:0:1', '::1'],
    ['[0:0:0:0:0:0:0:1]', '0:0:0:0:0:0:0:1', '::1'],
    ['2001:db8::5', '2001:DB8:0:0:0:0:0:5', '2001:db8::5'],
    ['[2001:DB8::5]', '2001:DB8:0:0:0:0:0:5', '2001:db8::5'],
    ['fe80::1%eth0', 'FE80:0:0:0:0:0:0:1', 'fe80::1'],
    ['::ffff:10.0.0.1', '0:0:0:0:0:FFFF:A00:1', '::ffff:10.0.0.1'],
    ['::ffff:127.0.0.1', '0:0:0:0:0:FFFF:7F00:1', '::ffff:127.0.0.1'],
    ['[::ffff:1.2.3.4]', '0:0:0:0:0:FFFF:102:304', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '0:0:0:0:0:0:102:304', '::1.2.3.4'],
    ['10.0.0.1', '10.0.0.1', '10.0.0.1'],
  ])('certs init --host %j: IP SAN %s', async (host, want, checked) => {
    const dir = join(await tmp(), 'certs');
    await initPki({ dir, hosts: [host], machineName: 'buildhost' });
    const pem = await readFile(join(dir, 'server-cert.pem'), 'utf8');
    const sans = ipSans(pem);
    expect(sans).toContain(want);
    // Loopback once each (`0:0:0:0:0:0:0:1` is `::1`), nothing else beside the host.
    expect(sans.filter((s) => s === '0:0:0:0:0:0:0:1')).toHaveLength(1);
    expect(new Set(sans)).toEqual(new Set(['127.0.0.1', '0:0:0:0:0:0:0:1', want]));
    expect(new X509Certificate(pem).checkIP(checked)).toBe(checked);
  });

  test.each([
    // --host, the index's (and `Server names:` line's) IP names beside the loopback ones
    ['fe80::1%eth0', ['fe80::1']],
    ['[fe80::1%eth0]', ['fe80::1']],
    ['fe80::1%eth0 fe80::1%eth1', ['fe80::1']],
    ['::ffff:10.0.0.1', ['::ffff:10.0.0.1']],
  ])('certs init --host %j: the index names the addresses the certificate covers, %j', async (hosts, want) => {
    const dir = join(await tmp(), 'certs');
    const { server } = await initPki({ dir, hosts: hosts.split(' '), machineName: 'buildhost' });
    expect(server.sans?.ip).toEqual(['127.0.0.1', '::1', ...want]);
    expect((await readIndex(join(dir, 'index.json'))).certs.find((c) => c.kind === 'server')?.sans?.ip).toEqual(['127.0.0.1', '::1', ...want]);
  });

  test('rotate-server: a new --host, and an index that kept the dotted text, give the right SANs', async () => {
    const dir = join(await tmp(), 'certs');
    await initPki({ dir, hosts: [], machineName: 'buildhost' });
    // What an index written before the fix holds: the text as given.
    const indexFile = join(dir, 'index.json');
    const index = await readIndex(indexFile);
    index.hosts.push('::ffff:127.0.0.1');
    await writeIndex(indexFile, index);
    await rotateServer({ dir, hosts: ['::ffff:10.0.0.1'], machineName: 'buildhost' });
    const cert = new X509Certificate(await readFile(join(dir, 'server-cert.pem'), 'utf8'));
    expect(ipSans(cert.toString())).toEqual(['127.0.0.1', '0:0:0:0:0:0:0:1', '0:0:0:0:0:FFFF:7F00:1', '0:0:0:0:0:FFFF:A00:1']);
    expect(cert.checkIP('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(cert.checkIP('::ffff:127.0.0.1')).toBe('::ffff:127.0.0.1');
  });
});
