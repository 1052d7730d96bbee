/**
 * The images guard against what dockerd really acts on, with a real gateway, the real docker
 * CLI and curl, a private dockerd and a stand-in registry on loopback (found by the rev-parse
 * review): a reference with a tag and a digest is run and pulled by the digest alone, so an
 * allow list of tags must not let it through; a name alone is pulled or pushed with every tag
 * (`docker pull -a`, `docker push -a`), which only a pattern allowing every tag may allow.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, removeContainers, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { startBusyboxRegistry, type TestRegistry } from './support/registry.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-image-references';
let pki: TestPki;
let gw: TestGateway;
let reg: TestRegistry;
let puller: string;
/** `<registry>/dgt-app`: `latest` is busybox, another digest of it the secret image. */
let app: string;
/** Digest of the secret image in the registry's `dgt-app`. */
let secret: string;

/** `curl` as `puller`: the HTTP status and body of `POST target`. */
async function post(target: string): Promise<{ status: string; body: string }> {
  const r = await run('curl', ['-s', '-o', '-', '-w', '\n%{http_code}', '--cacert', join(puller, 'ca.pem'), '--cert', join(puller, 'cert.pem'), '--key', join(puller, 'key.pem'),
    '-X', 'POST', `https://127.0.0.1:${gw.port}${target}`], { timeoutMs: 60_000 });
  const at = r.stdout.lastIndexOf('\n');
  return { status: r.stdout.slice(at + 1), body: r.stdout.slice(0, at) };
}

beforeAll(async () => {
  reg = await startBusyboxRegistry(socket);
  app = `${reg.host}/dgt-app`;
  pki = await makePki({ puller: [] });
  puller = pki.bundle('puller');
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, `version: 1
rules:
  - name: puller
    who: { users: [puller] }
    allow: [ContainerCreate, ContainerStart, ContainerAttach, ContainerWait, ContainerDelete, ContainerInspect, ImageCreate, ImagePush, ImageInspect, SystemPing, SystemPingHead, SystemVersion, SystemInfo]
    guards: { images: { allow: ["${app}:latest", "${reg.host}/dgt-open"] } }
`);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  // The admin, on the socket: app:latest is busybox; another image of the repository, known
  // by its digest only, holds a secret (as any earlier pull or push of it leaves).
  expect((await dockerDirect(socket, ['pull', `${app}:latest`])).code).toBe(0);
  expect((await dockerDirect(socket, ['run', '--name', 'dgt-imgref-secret', '--label', LABEL, 'busybox', 'sh', '-c', 'echo topsecret > /SECRET'])).code).toBe(0);
  expect((await dockerDirect(socket, ['commit', 'dgt-imgref-secret', 'dgt-imgref-secret:1'])).code).toBe(0);
  secret = await reg.serve('dgt-app', 'dgt-imgref-secret:1');
  const pulled = await dockerDirect(socket, ['pull', `${app}@${secret}`]);
  expect(pulled.code, pulled.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await dockerDirect(socket, ['rmi', '-f', `${app}:latest`, `${app}:secret`, `${app}@${secret}`, 'dgt-imgref-secret:1', `${reg.host}/dgt-open:latest`, `${reg.host}/dgt-open:v2`]);
  await gw?.stop();
  await reg?.close();
});

describe('a tag beside a digest: dockerd acts on the digest alone', () => {
  it('the allowed tag runs; the secret digest spelled with that tag is refused, saying why, and nothing is created', async () => {
    const ok = await docker(puller, gw.port, ['run', '--rm', '--label', LABEL, `${app}:latest`, 'echo', 'ok']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('ok\n');
    const refused = await docker(puller, gw.port, ['run', '--rm', '--label', LABEL, `${app}:latest@${secret}`, 'cat', '/SECRET']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).not.toContain('topsecret');
    expect(refused.stderr).toContain(`denied ContainerCreate for puller`);
    expect(refused.stderr).toContain(`(${app}@${secret}) is not an allowed image: it has a tag and a digest, and dockerd acts on the digest alone (the tag is ignored)`);
    expect((await dockerDirect(socket, ['ps', '-aq', '--filter', `label=${LABEL}`, '--filter', `ancestor=${app}@${secret}`])).stdout).toBe('');
  });

  it.each([
    ['a tag and a digest in fromImage', (d: string) => `fromImage=${app}:latest@${d}`],
    ['a tag in fromImage, the digest as tag', (d: string) => `fromImage=${app}:latest&tag=${d}`],
    ['a digest in fromImage, the tag as tag', (d: string) => `fromImage=${app}@${d}&tag=latest`],
  ])('a pull by digest spelled with the allowed tag (%s) is refused before the registry is asked', async (_name, query) => {
    const before = reg.requests.length;
    const r = await post(`/v1.41/images/create?${query(secret)}`);
    expect(r.status).toBe('403');
    expect(r.body).toContain('is not an allowed image');
    expect(reg.requests.slice(before).filter((l) => l.includes(secret))).toEqual([]);
  });
});

describe('a name alone: dockerd pulls or pushes every tag', () => {
  it.each(DOCKER_CLIS)('docker pull -a (CLI %s) of a name allowed only as :latest is refused, naming -a; the registry is not asked for its tags', async (_v, cli) => {
    reg.listTags('dgt-app', ['latest', 'secret']);
    const before = reg.requests.length;
    const r = await docker(puller, gw.port, ['pull', '-a', app], { cli });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`query fromImage "${app}" names no tag or digest: dockerd pulls every tag of it (docker pull -a), and no pattern allows every tag of that name; name a tag`);
    expect(reg.requests.slice(before)).toEqual([]);
    expect((await dockerDirect(socket, ['image', 'inspect', `${app}:secret`])).code).not.toBe(0);
  });

  it.each([
    ['no tag parameter', (a: string) => `fromImage=${a}`],
    ['a trailing colon', (a: string) => `fromImage=${a}:`],
  ])('a raw pull of every tag (%s) is refused', async (_name, query) => {
    const r = await post(`/v1.41/images/create?${query(app)}`);
    expect(r.status).toBe('403');
    expect(r.body).toContain('docker pull -a');
  });

  it.each(DOCKER_CLIS)('docker push -a (CLI %s) of a name allowed only as :latest is refused, naming -a; nothing reaches the registry', async (_v, cli) => {
    const before = reg.requests.length;
    const r = await docker(puller, gw.port, ['push', '-a', app], { cli });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`image name "${app}" names no tag or digest: dockerd pushes every local tag of it (docker push -a)`);
    expect(reg.requests.slice(before)).toEqual([]);
  });

  it('docker pull -a of a name whose pattern allows every tag pulls every tag', async () => {
    const open = `${reg.host}/dgt-open`;
    reg.listTags('dgt-open', ['latest', 'v2']);
    const r = await docker(puller, gw.port, ['pull', '-a', open]);
    expect(r.code, r.stderr).toBe(0);
    expect(reg.requests.some((l) => l.startsWith('GET /v2/dgt-open/tags/list'))).toBe(true);
    for (const tag of ['latest', 'v2']) expect((await dockerDirect(socket, ['image', 'inspect', `${open}:${tag}`])).code).toBe(0);
  });
});
