/**
 * The `logOptions` guard against a real dockerd 20.10, both docker CLIs and real TLS: json-file
 * log options past the maxima (`--log-opt max-size=100g`, `max-file=99999`, found 2026-12-07:
 * the container's logs could fill the daemon's data root) are refused with the guard's reason,
 * and nothing is created; options within them, and a `docker run` without `--log-opt`, run,
 * with the options the daemon was sent.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-log-options';
let pki: TestPki;
let gw: TestGateway;

const POLICY = `version: 1
rules:
  - name: dev
    who: { users: [alice] }
    allow: [power:read, ContainerCreate, ContainerStart, ContainerWait, ContainerAttach, ContainerDelete]
    guards: { privileged: false, binds: false, hostNamespaces: false, volumesFrom: false, links: false, capabilities: false, devices: false,
              securityOptions: false, maskedPaths: false, sysctls: false, cgroupParent: false, runtimes: false, logDrivers: { allow: [json-file, local] },
              logOptions: { maxSize: 100m, maxFile: 5 }, volumeDrivers: false, publishedPorts: false, psArgs: false }
`;

beforeAll(async () => {
  pki = await makePki({ alice: [] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await gw?.stop();
});

// Each case starts with no container of this suite, whatever the one before left.
afterEach(async () => {
  await removeContainers(socket, `label=${LABEL}`);
});

const alice = (cli: string, args: string[]) => docker(pki.bundle('alice'), gw.port, args, { cli });
const created = async () => (await dockerDirect(socket, ['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);

describe.each(DOCKER_CLIS)('docker CLI %s', (_version, cli) => {
  it.each([
    [['--log-opt', 'max-size=100g'], 'HostConfig.LogConfig.Config["max-size"] "100g" (100000000000 bytes) is above the allowed 100000000 bytes'],
    [['--log-opt', 'max-size=10m', '--log-opt', 'max-file=99999'], 'HostConfig.LogConfig.Config["max-file"] "99999" is above the allowed 5'],
    [['--log-driver', 'local', '--log-opt', 'max-size=1e3'], 'HostConfig.LogConfig.Config["max-size"] "1e3" is not a size dockerd reads the same way in every release'],
  ])('docker run %j is refused with the reason', async (opts, reason) => {
    const r = await alice(cli, ['run', '--label', LABEL, ...opts, 'busybox', 'echo', 'ran']);
    expect(r.code, r.stdout).toBe(125);
    expect(r.stderr).toContain('dockgate: denied ContainerCreate for alice');
    expect(r.stderr).toContain(reason);
    expect(r.stderr).toContain('(rule "dev")');
    expect(r.stdout).not.toContain('ran');
    expect(await created()).toEqual([]);
  });

  it.each([
    [['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'], { 'max-size': '10m', 'max-file': '3' }],
    [['--log-opt', 'max-size=100MiB'], { 'max-size': '100MiB' }],
    [[], {}],
  ])('docker run %j runs', async (opts, config) => {
    const r = await alice(cli, ['run', '--label', LABEL, ...opts, 'busybox', 'echo', 'ran']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran\n');
    const ids = await created();
    expect(ids).toHaveLength(1);
    const inspect = await dockerDirect(socket, ['inspect', '-f', '{{json .HostConfig.LogConfig.Config}}', ...ids]);
    expect(JSON.parse(inspect.stdout)).toEqual(config);
  });
});
