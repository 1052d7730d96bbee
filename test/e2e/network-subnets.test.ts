/**
 * The `networkSubnets` guard with the real docker CLIs (28.x and Debian's 20.10), real TLS and a
 * real private dockerd: `docker network create --subnet` inside the allowed range is created,
 * outside it refused before the daemon sees it, and without `--subnet` the daemon picks.
 *
 * Addresses: the allowed range is 198.18.0.0/15 (set aside for benchmarks, RFC 2544) and the
 * refused subnets come from 198.51.100.0/24 (documentation, RFC 5737), so even a guard that let
 * them through would put no route on this host that could take its traffic anywhere.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { tlsRequest } from './support/tls-request.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const PREFIX = 'dgt-subnets';
let pki: TestPki;
let gw: TestGateway;
let alice: string;
let olga: string;

const POLICY = `version: 1
rules:
  - name: dev-networks
    who: { groups: [developers] }
    allow: [power:read, NetworkCreate, NetworkDelete]
    guards:
      networkDrivers: { allow: [bridge] }
      networkSubnets: { allow: [198.18.0.0/15] }
  - name: ops-networks
    who: { groups: [ops] }
    allow: [power:read, NetworkCreate, NetworkDelete]
    guards:
      networkDrivers: true
      networkSubnets: { allow: [198.18.0.0/15] }
`;

/** The audit records (stdout) of NetworkCreate requests. */
function createRecords(): { decision: string; code?: string; status: number; reason?: string }[] {
  return gw
    .stdout()
    .split('\n')
    .filter((l) => l.includes('"operation":"NetworkCreate"'))
    .map((l) => JSON.parse(l) as { decision: string; code?: string; status: number; reason?: string });
}

/** IPAM config of a network as the daemon holds it, read on its own socket. */
async function daemonSubnets(name: string): Promise<string> {
  const r = await dockerDirect(socket, ['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', name]);
  return r.code === 0 ? r.stdout.trim() : `missing (${r.stderr.trim()})`;
}

beforeAll(async () => {
  pki = await makePki({ alice: ['developers'], olga: ['ops'] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  alice = pki.bundle('alice');
  olga = pki.bundle('olga');
});

afterAll(async () => {
  const left = await dockerDirect(socket, ['network', 'ls', '-q', '--filter', `name=${PREFIX}`]);
  const ids = left.stdout.split('\n').filter(Boolean);
  if (ids.length) await dockerDirect(socket, ['network', 'rm', ...ids]);
  await gw?.stop();
});

describe.each(DOCKER_CLIS)('docker network create through the gateway (CLI %s)', (version, cli) => {
  const name = (what: string) => `${PREFIX}-${version.replace('.', '')}-${what}`;
  const third = version === '28.x' ? 7 : 8;

  it('creates a network whose subnet, range and gateway lie in the allowed range', async () => {
    const n = name('inside');
    const r = await docker(alice, gw.port, ['network', 'create', '--subnet', `198.18.${third}.0/24`, '--ip-range', `198.18.${third}.128/25`, '--gateway', `198.18.${third}.1`, n], { cli });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await daemonSubnets(n)).toBe(`198.18.${third}.0/24`);
    const rm = await docker(alice, gw.port, ['network', 'rm', n], { cli });
    expect(rm.code).toBe(0);
  });

  it('refuses a subnet outside the allowed range before the daemon sees it', async () => {
    const n = name('outside');
    const before = createRecords().length;
    const r = await docker(alice, gw.port, ['network', 'create', '--subnet', '198.51.100.0/24', n], { cli });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IPAM.Config[0].Subnet "198.51.100.0/24" is outside the allowed network ranges');
    expect(r.stderr).toContain('(rule "dev-networks")');
    expect(await daemonSubnets(n)).toMatch(/^missing/);
    await until(() => createRecords().length > before);
    expect(createRecords()[before]).toMatchObject({ decision: 'deny', code: 'network-subnet', status: 403 });
  });

  it('lets the daemon pick a subnet when none is named', async () => {
    const n = name('auto');
    const r = await docker(alice, gw.port, ['network', 'create', n], { cli });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await daemonSubnets(n)).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect((await docker(alice, gw.port, ['network', 'rm', n], { cli })).code).toBe(0);
  });
});

describe('what only the Engine API can send', () => {
  // The CLIs check that --ip-range, --gateway and --aux-address lie in --subnet; dockerd 20.10
  // itself accepts an IPRange outside its subnet, so the gateway checks every address it is sent.
  it('refuses an IPRange outside the allowed range with the subnet inside it', async () => {
    const n = `${PREFIX}-api-range`;
    const body = JSON.stringify({ Name: n, IPAM: { Config: [{ Subnet: '198.18.10.0/24', IPRange: '198.51.100.0/24' }] } });
    const r = await tlsRequest(alice, gw.port, { method: 'POST', path: '/v1.41/networks/create', headers: { 'Content-Type': 'application/json' }, body });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ message: expect.stringContaining('IPAM.Config[0].IPRange "198.51.100.0/24" is outside the allowed network ranges') });
    expect(await daemonSubnets(n)).toMatch(/^missing/);
  });

  it('refuses an IPv4-mapped IPv6 subnet (dockerd 20.10 accepts one)', async () => {
    const n = `${PREFIX}-api-mapped`;
    const body = JSON.stringify({ Name: n, IPAM: { Config: [{ Subnet: '::ffff:198.18.11.0/120' }] } });
    const r = await tlsRequest(alice, gw.port, { method: 'POST', path: '/v1.41/networks/create', headers: { 'Content-Type': 'application/json' }, body });
    expect(r.status).toBe(403);
    expect(r.body).toContain('is not an IP prefix dockgate reads the way dockerd does');
    expect(await daemonSubnets(n)).toMatch(/^missing/);
  });
});

describe('a network made from a config-only network', () => {
  // The config-only network is an admin's, made on the daemon's socket; its subnet is outside
  // the allowed range. networkDrivers: true leaves ConfigFrom to networkSubnets alone.
  const config = `${PREFIX}-config-only`;
  beforeAll(async () => {
    const r = await dockerDirect(socket, ['network', 'create', '--config-only', '--subnet', '198.51.100.0/24', config]);
    expect(r.code).toBe(0);
  });

  it('is refused: it would take the config-only network\'s addresses, which the request does not carry', async () => {
    const n = `${PREFIX}-from-config`;
    const r = await docker(olga, gw.port, ['network', 'create', '--config-from', config, n]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ConfigFrom {"Network":"${config}"} is not allowed: the addresses of a config-only network are not checked`);
    expect(await daemonSubnets(n)).toMatch(/^missing/);
  });
});
