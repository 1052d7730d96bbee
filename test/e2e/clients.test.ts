/**
 * Clients other than the docker CLI, unchanged, through the gateway: Debian's python docker SDK
 * (docker-py) and docker-compose v1, both over mutual TLS with a dockgate client bundle.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, makePki, run, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

/** The environment without the CA-bundle overrides this machine sets (docker-py would ignore its own CA). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}

beforeAll(async () => {
  pki = await makePki({ admin: [], viewer: [] });
  gw = await startGateway(pki.dir, configYaml(pki, socket));
});

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', 'dgt-compose-web-1', 'dgt-compose_web_1']);
  await gw?.stop();
});

const SDK_SCRIPT = `
import sys, docker
bundle, port = sys.argv[1], sys.argv[2]
tls = docker.tls.TLSConfig(client_cert=(bundle + '/cert.pem', bundle + '/key.pem'), ca_cert=bundle + '/ca.pem', verify=True)
c = docker.DockerClient(base_url='tcp://127.0.0.1:' + port, tls=tls, version='auto')
print('api', c.version()['ApiVersion'])
try:
    out = c.containers.run('busybox', ['echo', 'from-sdk'], remove=True)
    print('run', out.decode().strip())
except docker.errors.APIError as e:
    print('error', e.status_code, e.explanation)
`;

describe('python docker SDK (docker-py)', () => {
  it('negotiates the version and runs a container as admin', async () => {
    const r = await run('/usr/bin/python3', ['-c', SDK_SCRIPT, pki.bundle('admin'), String(gw.port)], { env: cleanEnv() });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['api 1.41', 'run from-sdk', '']);
  });

  it('gets the readable 403 for a read-only identity', async () => {
    const r = await run('/usr/bin/python3', ['-c', SDK_SCRIPT, pki.bundle('viewer'), String(gw.port)], { env: cleanEnv() });
    expect(r.stdout).toContain('api 1.41');
    expect(r.stdout).toContain('error 403 dockgate: denied ContainerCreate for viewer (groups none): no rule allows it (rule "default")');
  });
});

/** Read `/events` between two times with decode=False: one item per HTTP chunk, as docker-py yields them. */
const SDK_EVENTS_SCRIPT = `
import sys, json, docker
base, since, until = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if base.startswith('unix://'):
    c = docker.APIClient(base_url=base, version='1.41')
else:
    bundle = sys.argv[4]
    tls = docker.tls.TLSConfig(client_cert=(bundle + '/cert.pem', bundle + '/key.pem'), ca_cert=bundle + '/ca.pem', verify=True)
    c = docker.APIClient(base_url=base, tls=tls, version='1.41')
items = list(c.events(since=since, until=until))
bad = 0
for item in items:
    try:
        json.loads(item)
    except ValueError:
        bad += 1
print(len(items), bad)
`;

describe('python docker SDK: streams item by item', () => {
  it('events() without decode yields one event per item, as from the daemon (each streamed chunk is passed on as a chunk)', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    for (let i = 0; i < 5; i++) {
      const created = await dockerDirect(socket, ['create', '--name', `dgt-sdk-ev-${i}`, 'busybox', 'true']);
      expect(created.code, created.stderr).toBe(0);
      expect((await dockerDirect(socket, ['rm', `dgt-sdk-ev-${i}`])).code).toBe(0);
    }
    const until = Math.floor(Date.now() / 1000) + 1;
    await new Promise((r) => setTimeout(r, 1100));
    const direct = await run('/usr/bin/python3', ['-c', SDK_EVENTS_SCRIPT, `unix://${socket}`, String(since), String(until)], { env: cleanEnv() });
    const viaGateway = await run('/usr/bin/python3', ['-c', SDK_EVENTS_SCRIPT, `tcp://127.0.0.1:${gw.port}`, String(since), String(until), pki.bundle('admin')], { env: cleanEnv() });
    expect(direct.stderr).toBe('');
    const [count, bad] = direct.stdout.trim().split(' ').map(Number);
    expect(count).toBeGreaterThanOrEqual(10);
    expect(bad).toBe(0);
    expect(viaGateway.stderr).toBe('');
    expect(viaGateway.stdout.trim()).toBe(`${count} 0`);
  });
});

const SDK_BUILD_SCRIPT = `
import sys, docker
bundle, port, context = sys.argv[1], sys.argv[2], sys.argv[3]
tls = docker.tls.TLSConfig(client_cert=(bundle + '/cert.pem', bundle + '/key.pem'), ca_cert=bundle + '/ca.pem', verify=True)
c = docker.DockerClient(base_url='tcp://127.0.0.1:' + port, tls=tls, version='auto')
try:
    c.images.build(path=context, tag='busybox:dgt-sdk-denied')
    print('built')
except docker.errors.APIError as e:
    print('error', e.status_code, e.explanation)
`;
import { scratchDir } from './support/scratch.js';

describe('python docker SDK: a refused upload', () => {
  // The SDK sends the whole build context before it reads the answer: the refusal must survive that.
  it('gets the 403 for a build whose 24 MiB context it sends before reading', async () => {
    const dir = scratchDir('sdk-build-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY blob /blob\n');
    writeFileSync(join(dir, 'blob'), randomBytes(24 * 1024 * 1024));
    const r = await run('/usr/bin/python3', ['-c', SDK_BUILD_SCRIPT, pki.bundle('viewer'), String(gw.port), dir], { env: cleanEnv(), timeoutMs: 120_000 });
    expect(r.stdout).toBe('error 403 dockgate: denied ImageBuild for viewer (groups none): no rule allows it (rule "default")\n');
    expect((await dockerDirect(socket, ['image', 'inspect', 'busybox:dgt-sdk-denied'])).code).not.toBe(0);
  });
});

describe('docker-compose v1', () => {
  it('brings a service up and down through the gateway', async () => {
    const dir = scratchDir('compose-');
    writeFileSync(join(dir, 'docker-compose.yml'), 'version: "2.4"\nservices:\n  web:\n    image: busybox\n    command: ["sh", "-c", "echo compose-ok; sleep 30"]\n');
    const compose = (args: string[]) => run('docker-compose', [...tlsArgs(pki.bundle('admin'), gw.port), '-p', 'dgt-compose', '-f', join(dir, 'docker-compose.yml'), ...args], { env: cleanEnv(), timeoutMs: 90_000 });
    const up = await compose(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const running = await dockerDirect(socket, ['ps', '--filter', 'label=com.docker.compose.project=dgt-compose', '--format', '{{.State}}']);
    expect(running.stdout.trim()).toBe('running');
    await new Promise((r) => setTimeout(r, 500));
    const logs = await compose(['logs', '--no-color', 'web']);
    expect(logs.stdout).toContain('compose-ok');
    const down = await compose(['down', '-t', '1']);
    expect(down.code, down.stderr).toBe(0);
    const left = await dockerDirect(socket, ['ps', '-a', '--filter', 'label=com.docker.compose.project=dgt-compose', '--format', '{{.Names}}']);
    expect(left.stdout.trim()).toBe('');
  });
});
