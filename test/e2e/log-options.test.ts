/**
 * The `logOptions` guard against a real dockerd 20.10, both docker CLIs and real TLS: json-file
 * log options past the maxima (`--log-opt max-size=100g`, `max-file=99999`, found 2026-12-07:
 * the container's logs could fill the daemon's data root) are refused with the guard's reason,
 * and nothing is created; options within them, and a `docker run` without `--log-opt`, run,
 * with the options the daemon was sent. A container update carrying a LogConfig is allowed: dockerd
 * ignores it (its update body has no LogConfig), and the container keeps its options.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawExchange, jsonRequest } from './support/raw-tls.js';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-log-options';
let pki: TestPki;
let gw: TestGateway;

const POLICY = `version: 1
rules:
  - name: dev
    who: { users: [alice] }
    allow: [power:read, ContainerCreate, ContainerStart, ContainerWait, ContainerAttach, ContainerDelete, ContainerUpdate]
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

// dockerd decodes an update body into UpdateConfig (resources and the restart policy): a LogConfig
// in it is ignored, so the guard leaves updates alone, and what the container logs with stays bounded.
describe('a container update carrying a LogConfig', () => {
  it.each([
    ['at the top level', { LogConfig: { Type: 'json-file', Config: { 'max-size': '100g', 'max-file': '99999' } } }],
    ['under HostConfig', { HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '100g' } } } }],
  ])('%s is allowed, and the container keeps its log options', async (_where, body) => {
    const c = await alice('/usr/local/bin/docker', ['create', '--label', LABEL, '--log-opt', 'max-size=10m', '--log-opt', 'max-file=2', 'busybox', 'true']);
    expect(c.code, c.stderr).toBe(0);
    const id = c.stdout.trim();
    const r = await rawExchange(pki.bundle('alice'), gw.port, jsonRequest('POST', `/v1.41/containers/${id}/update`, JSON.stringify(body)));
    expect(r.status, r.text).toBe(200);
    const inspect = await dockerDirect(socket, ['inspect', '-f', '{{json .HostConfig.LogConfig}}', id]);
    expect(JSON.parse(inspect.stdout)).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } });
  });
});
