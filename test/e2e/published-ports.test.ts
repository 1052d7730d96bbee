/**
 * The `publishedPorts` guard with the real docker CLIs (28.x and Debian's 20.10), real TLS and a
 * real private dockerd: ports inside the allowed entries are published (the daemon's own
 * `docker port` shows them), others are refused before the daemon sees the create.
 *
 * Everything binds on loopback: the policy allows only `127.0.0.1`, and the refused requests
 * would bind privileged or every-interface ports if a broken guard let them through, on a
 * container that is removed at once. The private daemon runs with `--bridge=none`, so the
 * containers join a network of their own, created here, to get their ports. The chosen ports
 * (31150-31199) lie below Linux's ephemeral range (32768-60999), where no outgoing connection of
 * another process can hold them (41150 once did: "bind: address already in use").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { tlsRequest } from './support/tls-request.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-published-ports';
const NETWORK = 'dgt-published-ports';
let pki: TestPki;
let gw: TestGateway;
let alice: string;

const POLICY = `version: 1
rules:
  - name: dev-ports
    who: { groups: [developers] }
    allow: [power:read, ContainerCreate, ContainerStart, ContainerStop, ContainerKill, ContainerDelete]
    guards:
      privileged: false
      hostNamespaces: false
      publishedPorts: { allow: ["127.0.0.1:0", "127.0.0.1:31150-31199"] }
`;

beforeAll(async () => {
  pki = await makePki({ alice: ['developers'] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  alice = pki.bundle('alice');
  const net = await dockerDirect(socket, ['network', 'create', NETWORK]);
  expect(net.code).toBe(0);
});

// A test that failed half-way (a create that did not start) leaves no container for the next one's check.
afterEach(async () => {
  await removeContainers(socket, `label=${LABEL}`);
});

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await dockerDirect(socket, ['network', 'rm', NETWORK]);
  await gw?.stop();
});

describe.each(DOCKER_CLIS)('docker run -p through the gateway (CLI %s)', (version, cli) => {
  const port = version === '28.x' ? '31150' : '31151';
  const run = (args: string[]) => docker(alice, gw.port, ['run', '-d', '--label', LABEL, '--network', NETWORK, ...args, 'busybox', 'sleep', '60'], { cli });

  it('publishes a chosen loopback port inside the allowed range', async () => {
    const r = await run(['-p', `127.0.0.1:${port}:80`]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const bound = await dockerDirect(socket, ['port', r.stdout.trim(), '80/tcp']);
    expect(bound.stdout.trim()).toBe(`127.0.0.1:${port}`);
    await dockerDirect(socket, ['rm', '-f', r.stdout.trim()]);
  });

  it('publishes a loopback port the daemon picks', async () => {
    const r = await run(['-p', '127.0.0.1::80']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const bound = await dockerDirect(socket, ['port', r.stdout.trim(), '80/tcp']);
    expect(bound.stdout.trim()).toMatch(/^127\.0\.0\.1:\d+$/);
    await dockerDirect(socket, ['rm', '-f', r.stdout.trim()]);
  });

  it.each([
    ['the same port on every interface', ['-p', `${port}:80`], `publishing port ${port} with no HostIp (every interface, unless its network sets another default address) is not allowed`],
    ['a privileged loopback port', ['-p', '127.0.0.1:53:80'], 'publishing port 53 on "127.0.0.1" is not allowed'],
    ['a port outside the range', ['-p', '127.0.0.1:31200:80'], 'publishing port 31200 on "127.0.0.1" is not allowed'],
    ['-P (picked ports on every interface)', ['-P', '--expose', '80'], 'HostConfig.PublishAllPorts: publishing every exposed port'],
  ])('refuses %s', async (_name, args, reason) => {
    const r = await run(args);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(reason);
    expect(r.stderr).toContain('(rule "dev-ports")');
    const left = await dockerDirect(socket, ['ps', '-aq', '--filter', `label=${LABEL}`]);
    expect(left.stdout.trim()).toBe('');
  });
});

describe('what only the Engine API can send', () => {
  it('refuses a HostIp dockerd cannot read (it would bind every interface)', async () => {
    const body = JSON.stringify({ Image: 'busybox', Labels: { [LABEL]: '' }, HostConfig: { NetworkMode: NETWORK, PortBindings: { '80/tcp': [{ HostIp: 'localhost', HostPort: '31152' }] } } });
    const r = await tlsRequest(alice, gw.port, { method: 'POST', path: '/v1.41/containers/create', headers: { 'Content-Type': 'application/json' }, body });
    expect(r.status).toBe(403);
    expect(r.body).toContain('HostIp \\"localhost\\" is not an IP address dockgate reads the way dockerd does');
    const left = await dockerDirect(socket, ['ps', '-aq', '--filter', `label=${LABEL}`]);
    expect(left.stdout.trim()).toBe('');
  });
});
