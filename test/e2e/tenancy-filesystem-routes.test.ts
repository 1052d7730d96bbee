/**
 * The routes that read or write whole filesystems or stdin, under tenancy and a read-only
 * identity, probed as an attacker (probe38): alice (team web) holds a valid certificate and goes
 * for carol's (team data) container, exec instance and image; otto may only read (`power:read`,
 * then `deny: all`). What tenancy-ownership covers already (the 28.x CLI's `cp` out of, `exec`,
 * `attach`, `logs` and `commit` of another's container by ID, name and ID prefix) is not
 * repeated: here are the other routes (`cp` into, `export`, `diff`, `top`, `stats`, `save`),
 * the 20.10 CLI, raw requests no CLI sends (HEAD archive, the old `/copy`, `attach/ws`, version
 * prefixes, a percent-encoded name), another tenant's exec instance, duplicate `container` keys
 * of a commit, the python SDK, docker-compose v1 `exec`, and bytes pipelined behind an upgrade
 * that tenancy refuses or that fails. Real dockerd, real TLS, both CLIs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, DOCKER_CLIS, makePki, run, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';
import { closedByServer, httpRequest, jsonRequest, rawExchange, RawConnection } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
const POLICY = `version: 1
rules:
  - name: readers
    who: { groups: [oncall] }
    allow: [power:read]
    guards: { psArgs: false }
  - name: readers-only
    who: { groups: [oncall] }
    deny: all
  - name: everyone
    who: { anyone: true }
    allow: all
tenancy:
  admins: { groups: [ops] }
  teams: [web, data]
  unowned: [images]
`;
const C1 = 'fsr-c1';
const A1 = 'fsr-a1';
const IMAGE = 'fsr-carol:1';
const PROJECT = 'fsrcarol';
let pki: TestPki;
let gw: TestGateway;
let c1Id = '';
let a1Id = '';
let imageId = '';
let carolExec = '';
let composeDir = '';

/** The docker CLI `cli` as `who` through the gateway. */
const as = (who: string, args: string[], cli = 'docker') => docker(pki.bundle(who), gw.port, args, { cli, timeoutMs: 30_000 });

/** The environment of the SDK and docker-compose: no CA bundle overriding the client's. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}

/** One raw request as `who`: status and body text (a Docker error's `message`, unquoted). */
async function raw(who: string, request: Buffer, head = false): Promise<{ status: number; text: string }> {
  const r = await rawExchange(pki.bundle(who), gw.port, request, { head, timeoutMs: 15_000 });
  return { status: r.status, text: messageOf(r.text) };
}

/** The `message` of a Docker error body, else the body as it is. */
function messageOf(text: string): string {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === 'string' ? m : text;
  } catch {
    return text;
  }
}

const UPGRADE_TCP: [string, string][] = [['Upgrade', 'tcp'], ['Connection', 'Upgrade']];
const UPGRADE_WS: [string, string][] = [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']];
const TAR = Buffer.alloc(1024);

/** Every filesystem or stdin route on container `ref`, under version prefix `v`. */
function containerRequests(v: string, ref: string): [string, Buffer, boolean][] {
  const p = `${v}/containers/${ref}`;
  return [
    ['GET archive', httpRequest({ method: 'GET', target: `${p}/archive?path=/tmp/secret` }), false],
    ['HEAD archive', httpRequest({ method: 'HEAD', target: `${p}/archive?path=/tmp` }), true],
    ['PUT archive', httpRequest({ method: 'PUT', target: `${p}/archive?path=/tmp`, headers: [['Content-Type', 'application/x-tar'], ['Content-Length', String(TAR.length)]], body: TAR }), false],
    ['export', httpRequest({ method: 'GET', target: `${p}/export` }), false],
    ['changes', httpRequest({ method: 'GET', target: `${p}/changes` }), false],
    ['top', httpRequest({ method: 'GET', target: `${p}/top` }), false],
    ['stats', httpRequest({ method: 'GET', target: `${p}/stats?stream=0` }), false],
    ['logs', httpRequest({ method: 'GET', target: `${p}/logs?stdout=1` }), false],
    ['exec', jsonRequest('POST', `${p}/exec`, '{"Cmd":["cat","/tmp/secret"],"AttachStdout":true}'), false],
    ['attach', httpRequest({ method: 'POST', target: `${p}/attach?stream=1&stdin=1&stdout=1&logs=1`, headers: [...UPGRADE_TCP, ['Content-Length', '0']] }), false],
    ['attach/ws', httpRequest({ method: 'GET', target: `${p}/attach/ws?stream=1&stdin=1&logs=1`, headers: UPGRADE_WS }), false],
  ];
}

/** What the daemon itself says of carol's container: running, not paused, and no planted file. */
async function c1Untouched(): Promise<void> {
  const state = await dockerDirect(socket, ['inspect', '-f', '{{.State.Running}} {{.State.Paused}}', C1]);
  expect(state.stdout.trim()).toBe('true false');
  const planted = await dockerDirect(socket, ['exec', C1, 'ls', '/tmp']);
  expect(planted.stdout.split('\n').filter(Boolean).sort()).toEqual(['secret']);
}

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], carol: ['data'], otto: ['oncall'] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  const c = await as('carol', ['run', '-d', '--name', C1, 'busybox', 'sh', '-c', 'echo carol-secret > /tmp/secret; sleep 600']);
  expect(c.stderr).toBe('');
  c1Id = c.stdout.trim();
  const a = await as('alice', ['run', '-d', '--name', A1, 'busybox', 'sleep', '600']);
  expect(a.stderr).toBe('');
  a1Id = a.stdout.trim();
  expect((await as('carol', ['commit', C1, IMAGE])).code).toBe(0);
  imageId = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', IMAGE])).stdout.trim();
  const e = await raw('carol', jsonRequest('POST', `/v1.41/containers/${C1}/exec`, '{"Cmd":["cat","/tmp/secret"],"AttachStdout":true}'));
  expect(e.status).toBe(201);
  carolExec = (JSON.parse(e.text) as { Id: string }).Id;
  composeDir = scratchDir('fsr-compose-');
  writeFileSync(join(composeDir, 'docker-compose.yml'), 'version: "2.4"\nservices:\n  svc:\n    image: busybox\n    network_mode: none\n    command: ["sleep", "600"]\n');
}, 120_000);

afterAll(async () => {
  const ids = (await dockerDirect(socket, ['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).stdout.split('\n').filter(Boolean);
  await dockerDirect(socket, ['rm', '-f', C1, A1, ...ids]);
  await dockerDirect(socket, ['network', 'rm', `${PROJECT}_default`]);
  const images = (await dockerDirect(socket, ['images', '-q', '--filter', 'reference=fsr-*'])).stdout.split('\n').filter(Boolean);
  if (images.length) await dockerDirect(socket, ['rmi', '-f', ...new Set(images)]);
  await gw?.stop();
});

describe("alice's CLIs on carol's container", () => {
  const refs = (): string[] => [c1Id, C1, c1Id.slice(0, 5)];
  const out = (): string => join(scratchDir('fsr-out-'), 'x');
  // Not in tenancy-ownership for either CLI.
  const newCases: [string, (r: string) => string[]][] = [
    ['cp into', (r) => ['cp', join(pki.dir, 'ca.pem'), `${r}:/tmp/planted`]],
    ['export', (r) => ['export', '-o', out(), r]],
    ['diff', (r) => ['diff', r]],
    ['top', (r) => ['top', r]],
    ['stats', (r) => ['stats', '--no-stream', r]],
  ];
  // In tenancy-ownership for the 28.x CLI only.
  const olderCases: [string, (r: string) => string[]][] = [
    ['cp out of', (r) => ['cp', `${r}:/tmp/secret`, out()]],
    ['exec', (r) => ['exec', r, 'cat', '/tmp/secret']],
    ['attach', (r) => ['attach', '--no-stdin', r]],
    ['logs', (r) => ['logs', r]],
    ['commit', (r) => ['commit', r, 'fsr-stolen']],
  ];
  it.each(DOCKER_CLIS)('CLI %s: cp into, export, diff, top and stats by ID, name and ID prefix are refused', async (_v, cli) => {
    for (const [name, args] of newCases) {
      for (const ref of refs()) {
        const r = await as('alice', args(ref), cli);
        expect(r.code, `${name} ${ref}`).not.toBe(0);
        expect(r.stderr, `${name} ${ref}`).toContain('belongs to another tenant');
      }
    }
    await c1Untouched();
  });

  it('CLI 20.10: cp out of, exec, attach, logs and commit too', async () => {
    const cli = DOCKER_CLIS[1][1];
    for (const [name, args] of olderCases) {
      for (const ref of refs()) {
        const r = await as('alice', args(ref), cli);
        expect(r.code, `${name} ${ref}`).not.toBe(0);
        expect(r.stderr, `${name} ${ref}`).toContain('belongs to another tenant');
      }
    }
    expect((await dockerDirect(socket, ['image', 'inspect', 'fsr-stolen'])).code).not.toBe(0);
  });

  it.each(DOCKER_CLIS)("CLI %s: docker save of carol's image by tag, ID, short ID and sha256:<short ID> is refused", async (_v, cli) => {
    const hex = imageId.replace(/^sha256:/, '');
    for (const ref of [IMAGE, imageId, hex.slice(0, 12), `sha256:${hex.slice(0, 12)}`]) {
      const r = await as('alice', ['save', '-o', out(), ref], cli);
      expect(r.code, ref).not.toBe(0);
      expect(r.stderr, ref).toContain('belongs to another tenant');
    }
  });
});

describe('raw requests no CLI sends', () => {
  it('every filesystem and stdin route under version prefixes, by ID, name, ID prefix and a percent-encoded name: 403', async () => {
    const refs = [c1Id, C1, c1Id.slice(0, 5), `%${C1.charCodeAt(0).toString(16)}${C1.slice(1)}`];
    for (const v of ['', '/v1.12', '/v1.41.0']) {
      for (const ref of refs) {
        for (const [what, request, head] of containerRequests(v, ref)) {
          const r = await raw('alice', request, head);
          expect(r.status, `${what} ${v} ${ref}`).toBe(403);
          if (!head) expect(r.text, `${what} ${v} ${ref}`).toContain('belongs to another tenant');
        }
      }
    }
    // The old copy route, served below API 1.24.
    const copy = await raw('alice', jsonRequest('POST', `/v1.23/containers/${C1}/copy`, '{"Resource":"/tmp/secret"}'));
    expect(copy.status).toBe(403);
    expect(copy.text).toContain('belongs to another tenant');
    // An ID in upper case is no container to dockerd: its own 404.
    const upper = await raw('alice', httpRequest({ method: 'GET', target: `/v1.41/containers/${c1Id.slice(0, 12).toUpperCase()}/export` }));
    expect(upper.status).toBe(404);
    await c1Untouched();
  });

  it("image saves of carol's image by ID, ID prefix and sha256:<prefix>, alone or after another name: 403", async () => {
    const hex = imageId.replace(/^sha256:/, '');
    for (const v of ['', '/v1.12']) {
      for (const ref of [imageId, hex, hex.slice(0, 4), `sha256:${hex.slice(0, 12)}`, 'fsr-carol']) {
        for (const target of [`${v}/images/${ref}/get`, `${v}/images/get?names=${ref}`, `${v}/images/get?names=busybox&names=${ref}`]) {
          const r = await raw('alice', httpRequest({ method: 'GET', target }));
          expect(r.status, target).toBe(403);
        }
      }
    }
  });

  it("carol's exec instance: alice may not inspect, start (plain, upgraded or detached) or resize it; a prefix of its ID is no exec to dockerd", async () => {
    for (const v of ['', '/v1.12', '/v1.41']) {
      const p = `${v}/exec/${carolExec}`;
      const start = '{"Detach":false,"Tty":false}';
      const requests = [
        httpRequest({ method: 'GET', target: `${p}/json` }),
        jsonRequest('POST', `${p}/start`, start),
        httpRequest({ method: 'POST', target: `${p}/start`, headers: [...UPGRADE_TCP, ['Content-Type', 'application/json'], ['Content-Length', String(start.length)]], body: start }),
        jsonRequest('POST', `${p}/start`, '{"Detach":true}'),
        httpRequest({ method: 'POST', target: `${p}/resize?h=10&w=10`, headers: [['Content-Length', '0']] }),
      ];
      for (const request of requests) {
        const r = await raw('alice', request);
        expect(r.status, request.toString('latin1').split('\r\n')[0]).toBe(403);
        expect(r.text).toContain(`exec instance "${carolExec}" belongs to another tenant`);
      }
    }
    const prefix = await raw('alice', jsonRequest('POST', `/v1.41/exec/${carolExec.slice(0, 12)}/start`, '{"Detach":true}'));
    expect(prefix.status).toBe(404);
    const state = await run('curl', ['-s', '--unix-socket', socket, `http://docker/exec/${carolExec}/json`]);
    expect(JSON.parse(state.stdout)).toMatchObject({ Running: false, ExitCode: null, Pid: 0 });
  });

  it("a commit with two container keys commits the first, as dockerd reads it: alice's own first is hers, carol's first is refused", async () => {
    const own = await raw('alice', jsonRequest('POST', `/v1.41/commit?container=${A1}&container=${C1}&repo=fsr-dup`, '{}'));
    expect(own.status).toBe(201);
    const made = await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Container}}', 'fsr-dup']);
    expect(made.stdout.trim()).toBe(a1Id);
    const other = await raw('alice', jsonRequest('POST', `/v1.41/commit?container=${C1}&container=${A1}&repo=fsr-dup2`, '{}'));
    expect(other.status).toBe(403);
    expect((await dockerDirect(socket, ['image', 'inspect', 'fsr-dup2'])).code).not.toBe(0);
  });

  it("a container reference no container can have (a '/' or a '.' segment) is answered as dockerd answers it, 404 No such container, not with the redirect of its look-up", async () => {
    for (const reference of [`${C1}/`, `./${C1}`, `${C1}/.`, `./${A1}`]) {
      const direct = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '--unix-socket', socket, `http://docker/v1.41/commit?container=${encodeURIComponent(reference)}&repo=fsr-unclean`]);
      expect(direct.stdout).toBe('404');
      const answer = await raw('alice', jsonRequest('POST', `/v1.41/commit?container=${encodeURIComponent(reference)}&repo=fsr-unclean`, '{}'));
      expect({ reference, status: answer.status, message: answer.text }).toEqual({ reference, status: 404, message: `No such container: ${reference}` });
    }
  });
});

describe('the read-only identity', () => {
  it("otto's reads of carol's container are refused by tenancy; the rest by the policy", async () => {
    for (const [what, request, head] of containerRequests('/v1.41', C1)) {
      const r = await raw('otto', request, head);
      expect(r.status, what).toBe(403);
      if (head) continue;
      const byTenancy = ['changes', 'top', 'stats', 'logs'].includes(what);
      expect(r.text, what).toContain(byTenancy ? 'belongs to another tenant' : 'denied by policy (rule "readers-only")');
    }
    for (const request of [jsonRequest('POST', `/v1.23/containers/${C1}/copy`, '{"Resource":"/tmp/secret"}'), jsonRequest('POST', `/v1.41/commit?container=${C1}&repo=fsr-otto`, '{}'), httpRequest({ method: 'GET', target: `/v1.41/images/${IMAGE}/get` })]) {
      const r = await raw('otto', request);
      expect(r.status).toBe(403);
      expect(r.text).toContain('denied by policy (rule "readers-only")');
    }
  });
});

describe('clients', () => {
  const SDK = `
import docker, io, sys, tarfile
b, port, ref = sys.argv[1], sys.argv[2], sys.argv[3]
tls = docker.tls.TLSConfig(client_cert=(b + '/cert.pem', b + '/key.pem'), ca_cert=b + '/ca.pem', verify=True)
api = docker.APIClient(base_url='tcp://127.0.0.1:' + port, tls=tls, version='1.41')
data = io.BytesIO(); t = tarfile.open(fileobj=data, mode='w'); i = tarfile.TarInfo('sdk-planted'); i.size = 1; t.addfile(i, io.BytesIO(b'x')); t.close()
from docker.models.containers import Container
c = Container(attrs={'Id': ref}, client=docker.DockerClient(base_url='tcp://127.0.0.1:' + port, tls=tls, version='1.41'))
for name, call in [('put_archive', lambda: api.put_archive(ref, '/tmp', data.getvalue())),
                   ('get_archive', lambda: b''.join(api.get_archive(ref, '/tmp/sdk-planted')[0])),
                   ('export', lambda: b''.join(api.export(ref))),
                   ('exec_run', lambda: c.exec_run(['cat', '/tmp/sdk-planted'], socket=True).output.close())]:
    try:
        call(); print(name, 'ok')
    except docker.errors.APIError as e:
        print(name, e.status_code)
`;
  it("the python SDK's put_archive, get_archive, export and exec_run(socket=True) on carol's container: 403; on alice's own they work", async () => {
    const theirs = await run('/usr/bin/python3', ['-c', SDK, pki.bundle('alice'), String(gw.port), c1Id], { env: cleanEnv() });
    expect(theirs.stderr).toBe('');
    expect(theirs.stdout.split('\n').filter(Boolean)).toEqual(['put_archive 403', 'get_archive 403', 'export 403', 'exec_run 403']);
    const own = await run('/usr/bin/python3', ['-c', SDK, pki.bundle('alice'), String(gw.port), a1Id], { env: cleanEnv() });
    expect(own.stderr).toBe('');
    expect(own.stdout.split('\n').filter(Boolean)).toEqual(['put_archive ok', 'get_archive ok', 'export ok', 'exec_run ok']);
    await c1Untouched();
  });

  it("docker-compose v1 exec into carol's project finds nothing for alice; carol's own works", async () => {
    // COMPOSE_INTERACTIVE_NO_CLI: exec through docker-compose's own docker-py, not the docker CLI.
    const env = { ...cleanEnv(), COMPOSE_INTERACTIVE_NO_CLI: '1' };
    const compose = (who: string, args: string[]) => run('docker-compose', [...tlsArgs(pki.bundle(who), gw.port), '-p', PROJECT, '-f', join(composeDir, 'docker-compose.yml'), ...args], { env, timeoutMs: 60_000 });
    expect((await compose('carol', ['up', '-d'])).code).toBe(0);
    const mine = await compose('carol', ['exec', '-T', 'svc', 'echo', 'carol-ok']);
    expect(mine.stdout.trim()).toBe('carol-ok');
    const theirs = await compose('alice', ['exec', '-T', 'svc', 'echo', 'alice-in']);
    expect(theirs.code).not.toBe(0);
    expect(theirs.stdout).not.toContain('alice-in');
  });
});

describe('bytes pipelined behind an upgrade', () => {
  const pause = httpRequest({ method: 'POST', target: `/v1.41/containers/${C1}/pause`, headers: [['Content-Length', '0']] });
  /** Send `upgrade` and a pause of carol's container in one write as alice; the first answer. */
  async function pipelined(upgrade: Buffer): Promise<{ status: number; text: string; conn: RawConnection }> {
    const conn = await RawConnection.tls(pki.bundle('alice'), gw.port);
    conn.write(Buffer.concat([upgrade, pause]));
    const r = await conn.response({ timeoutMs: 15_000 });
    return { status: r.status, text: r.text, conn };
  }

  it('refused by tenancy (attach, attach/ws, exec start) or answered 404 before any upgrade: the answer, the close, nothing forwarded', async () => {
    const start = '{"Detach":false,"Tty":false}';
    const cases: [Buffer, number][] = [
      [httpRequest({ method: 'POST', target: `/v1.41/containers/${C1}/attach?stream=1&stdin=1&stdout=1`, headers: [...UPGRADE_TCP, ['Content-Length', '0']] }), 403],
      [httpRequest({ method: 'GET', target: `/v1.41/containers/${C1}/attach/ws?stream=1&stdin=1`, headers: UPGRADE_WS }), 403],
      [httpRequest({ method: 'POST', target: `/v1.41/exec/${carolExec}/start`, headers: [...UPGRADE_TCP, ['Content-Type', 'application/json'], ['Content-Length', String(start.length)]], body: start }), 403],
      [httpRequest({ method: 'POST', target: '/v1.41/containers/fsr-no-such/attach?stream=1&stdin=1', headers: [...UPGRADE_TCP, ['Content-Length', '0']] }), 404],
    ];
    for (const [upgrade, status] of cases) {
      const r = await pipelined(upgrade);
      expect(r.status).toBe(status);
      await closedByServer(r.conn);
      expect(r.conn.takeBuffered().length).toBe(0);
    }
    await c1Untouched();
  });

  it("an upgrade the daemon takes but fails (alice's exec that already ran): the pipelined bytes are its stdin, never a request", async () => {
    const created = await raw('alice', jsonRequest('POST', `/v1.41/containers/${A1}/exec`, '{"Cmd":["true"]}'));
    const id = (JSON.parse(created.text) as { Id: string }).Id;
    expect((await raw('alice', jsonRequest('POST', `/v1.41/exec/${id}/start`, '{"Detach":true}'))).status).toBe(200);
    const start = '{"Detach":false,"Tty":false}';
    const r = await pipelined(httpRequest({ method: 'POST', target: `/v1.41/exec/${id}/start`, headers: [...UPGRADE_TCP, ['Content-Type', 'application/json'], ['Content-Length', String(start.length)]], body: start }));
    expect(r.status).toBe(101);
    await closedByServer(r.conn);
    // dockerd answers 101 before it finds the exec ran, then writes the error into the stream.
    expect(r.conn.takeBuffered().toString('latin1')).toMatch(/Exec command [0-9a-f]+ (has already run|is already running)/);
    await c1Untouched();
  });
});
