/**
 * Raw HTTP/1.1 over real mutual TLS for what the docker CLI never sends: odd framing, odd
 * content types, case-variant / Unicode-folded / duplicate keys, trailing bytes, oversized
 * bodies, encoded and unclean paths, form bodies, legacy (API < 1.24) bodies, refused
 * upgrades and keep-alive after a refusal. Every case is checked against what the daemon
 * actually did (container created or not, with which HostConfig), and where it matters
 * against what dockerd itself answers to the same bytes on its socket.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RAW_ANSWER_GRACE_MS } from '../../src/http/end-raw-socket.js';
import { configYaml, docker, dockerDirect, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { chunked, closedByServer, httpRequest, jsonRequest, RawConnection, rawExchange, rawExchangeUnix, type RawResponse, writeAllThenRead, writeBody } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-raw-test';
let pki: TestPki;
let gw: TestGateway;
let alice: string;
let reader: string;
let admin: string;
let hostDir: string;

const POLICY = `version: 1
rules:
  - name: admins-anything
    who: { users: [admin] }
    allow: all
  - name: dev-read
    who: { groups: [developers] }
    allow: [power:read]
  - name: dev-containers
    who: { groups: [developers] }
    allow: [ContainerCreate, ContainerStart, ContainerKill, ContainerDelete, ContainerAttach, ImageTag]
    guards:
      privileged: false
      hostNamespaces: false
      binds: false
      capabilities: { allow: [NET_BIND_SERVICE] }
      devices: false
      securityOptions: false
      images: { allow: [busybox] }
  - name: readers
    who: { users: [reader] }
    allow: [power:read]
`;

/** A create body for container `name` (labelled for clean-up) with extra JSON members. */
function createBody(extra = ''): string {
  return `{"Image":"busybox","Cmd":["true"],"Labels":{"${LABEL}":"1"}${extra ? `,${extra}` : ''}}`;
}

const createTarget = (name: string): string => `/v1.41/containers/create?name=${name}`;


/** What the daemon holds for a container name, straight from its socket. */
async function inspect(name: string): Promise<{ exists: boolean; hostConfig?: Record<string, unknown>; running?: boolean }> {
  const r = await dockerDirect(socket, ['inspect', '--type', 'container', '--format', '{{json .HostConfig}}|{{.State.Running}}', name]);
  if (r.code !== 0) return { exists: false };
  const [hc = '{}', running] = r.stdout.trim().split('|');
  return { exists: true, hostConfig: JSON.parse(hc) as Record<string, unknown>, running: running === 'true' };
}

/** The Docker error message of a refusal (Docker's shape, exact Content-Type). */
function message(r: RawResponse): string {
  expect(r.headers['content-type']).toBe('application/json');
  return (JSON.parse(r.text) as { message: string }).message;
}

/**
 * The audit records of connection `conn`, once there are `n`: those from its local port that
 * started once it was up (an earlier connection from the same port, another test's, is not it).
 */
function connectionRecords(conn: RawConnection, n: number): Promise<Record<string, unknown>[]> {
  // Its port as connected: a closed socket's localPort is undefined (a test that waited for the close read no records).
  const client = `127.0.0.1:${conn.localPort}`;
  const records = (): Record<string, unknown>[] => gw.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((x) => x.client === client && Date.parse(String(x.time)) >= conn.openedAt);
  return until(() => records().length >= n && records(), 10_000, `${n} audit records of ${client}`);
}

/** Start a running `cat` container `name` (stdin open, labelled for clean-up) on the daemon; resolves its name. */
async function catContainer(name: string): Promise<string> {
  expect((await dockerDirect(socket, ['run', '-d', '-i', '--label', `${LABEL}=1`, '--name', name, 'busybox', 'cat'])).code).toBe(0);
  return name;
}

/** What came through the tunnel on `conn` until it holds `text` (or 10 s passed). */
async function tunnelOutput(conn: RawConnection, text: string): Promise<Buffer> {
  const deadline = Date.now() + 10_000;
  let got = conn.takeBuffered();
  while (!got.includes(text) && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 100));
    got = Buffer.concat([got, conn.takeBuffered()]);
  }
  return got;
}

/**
 * The same request bytes to the gateway (as `who`) and to dockerd's socket: open a connection
 * to each, write `bytes` (a pair: the gateway's, then the daemon's, for objects each side must
 * name on its own), run `check` with both, and close both.
 */
async function sideBySide(who: string, bytes: Buffer | readonly [Buffer, Buffer], check: (conn: RawConnection, direct: RawConnection) => Promise<void>): Promise<void> {
  const conn = await RawConnection.tls(who, gw.port);
  const direct = await RawConnection.unix(socket);
  try {
    const [toGateway, toDaemon] = Buffer.isBuffer(bytes) ? [bytes, bytes] : bytes;
    conn.write(toGateway);
    direct.write(toDaemon);
    await check(conn, direct);
  } finally {
    conn.close();
    direct.close();
  }
}

beforeAll(async () => {
  pki = await makePki({ admin: [], alice: ['developers'], reader: [] });
  const policyFile = `${pki.dir}/policy.yaml`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  [alice, reader, admin] = ['alice', 'reader', 'admin'].map((n) => pki.bundle(n)) as [string, string, string];
  hostDir = scratchDir('raw-host-');
});

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await dockerDirect(socket, ['rm', '-f', 'dgt-raw-trap', 'dgt-raw-cat', 'dgt-raw-legacy', 'dgt-raw-legacy-admin']);
  await dockerDirect(socket, ['rmi', 'busybox:dgt-raw-form']);
  await gw?.stop();
});

describe('bodies under every framing and spelling are decided on what dockerd will read', () => {
  it('a chunked body with HostConfig.Privileged is denied and nothing is created', async () => {
    const body = createBody('"HostConfig":{"Privileged":true}');
    const r = await rawExchange(alice, gw.port, httpRequest({ method: 'POST', target: createTarget('dgt-raw-chunked-priv'), headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], body: chunked(body, 5) }));
    expect(r.status).toBe(403);
    expect(message(r)).toBe('dockgate: denied ContainerCreate for alice (groups developers): HostConfig.Privileged is not allowed (rule "dev-containers")');
    expect((await inspect('dgt-raw-chunked-priv')).exists).toBe(false);
  });

  it('a harmless chunked body is forwarded whole: the daemon creates exactly what was sent', async () => {
    const body = createBody('"HostConfig":{"CapAdd":["NET_BIND_SERVICE"],"Memory":33554432}');
    const r = await rawExchange(alice, gw.port, httpRequest({ method: 'POST', target: createTarget('dgt-raw-chunked-ok'), headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], body: chunked(body, 3) }));
    expect(r.status).toBe(201);
    const c = await inspect('dgt-raw-chunked-ok');
    expect(c.hostConfig).toMatchObject({ CapAdd: ['NET_BIND_SERVICE'], Memory: 33554432, Privileged: false });
  });

  it('Content-Length: 0 plus Transfer-Encoding: chunked is refused, never forwarded', async () => {
    const body = createBody('"HostConfig":{"Privileged":true}');
    const r = await rawExchange(alice, gw.port, httpRequest({
      method: 'POST',
      target: createTarget('dgt-raw-cl0-te'),
      headers: [['Content-Type', 'application/json'], ['Content-Length', '0'], ['Transfer-Encoding', 'chunked']],
      body: chunked(body),
    }));
    expect(r.status).toBe(400);
    expect((await inspect('dgt-raw-cl0-te')).exists).toBe(false);
    // Nothing with the label was created either (a smuggled second request would carry it).
    const any = await dockerDirect(socket, ['ps', '-a', '--filter', `label=${LABEL}`, '--filter', 'name=dgt-raw-cl0', '-q']);
    expect(any.stdout.trim()).toBe('');
  });

  it.each(['gzip, chunked', 'x-custom, chunked'])('Transfer-Encoding %j (dockerd takes only "chunked") is refused with 400, never forwarded', async (te) => {
    const name = `dgt-raw-te-${te.split(',')[0]}`;
    const r = await rawExchange(alice, gw.port, httpRequest({
      method: 'POST',
      target: createTarget(name),
      headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', te]],
      body: chunked(createBody('"HostConfig":{"Memory":33554432}')),
    }));
    expect(r.status).toBe(400);
    expect(message(r)).toMatch(/Transfer-Encoding must be exactly "chunked"/);
    expect((await inspect(name)).exists).toBe(false);
  });

  it('a null element in HostConfig.Ulimits is refused with 400 for everyone (dockerd panics on it and locks the container)', async () => {
    const name = 'dgt-raw-null-ulimit';
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget(name), createBody('"HostConfig":{"Ulimits":[null]}')));
    expect(r.status).toBe(400);
    expect(message(r)).toMatch(/HostConfig\.Ulimits holds a null element/);
    // Listed, not inspected: an inspect of such a container would panic dockerd and hang.
    const listed = await dockerDirect(socket, ['ps', '-a', '--filter', `name=^${name}$`, '-q']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim()).toBe('');
  });

  it('a health check of ["CMD"] is refused with 400 for everyone (its probe would crash dockerd)', async () => {
    const name = 'dgt-raw-empty-healthcheck';
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget(name), createBody('"Healthcheck":{"Test":["CMD"],"Interval":1000000000}')));
    expect(r.status).toBe(400);
    expect(message(r)).toMatch(/Healthcheck\.Test is \["CMD"\] with no command/);
    expect((await inspect(name)).exists).toBe(false);
  });

  it.each([
    ['an image list with the legacy filter and a null filter', () => reader, 'GET', `/v1.40/images/json?filters=${encodeURIComponent('{"reference":null}')}&filter=x`, 'filter "reference" is null'],
    ['a container prune with an empty until filter', () => admin, 'POST', `/v1.41/containers/prune?filters=${encodeURIComponent('{"until":{}}')}`, 'filter "until" has no value'],
  ])('%s is refused with 400 (dockerd 20.10 panics and drops the connection)', async (_name, identity, method, target, why) => {
    const r = await rawExchange(identity(), gw.port, httpRequest({ method, target }));
    expect(r.status).toBe(400);
    expect(message(r)).toContain(why);
  });

  // http-proxy rewrites a DELETE or OPTIONS request without Content-Length to `Content-Length: 0`
  // yet still pipes its body: dockerd would read that body as a second request no policy saw.
  const smuggledCreate = (name: string): string => {
    const body = createBody('"HostConfig":{"Privileged":true}');
    return `POST ${createTarget(name)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const smuggling: Array<[string, () => string, string, string]> = [
    ['OPTIONS (CORS preflight, read power) by a read-only identity', () => reader, 'OPTIONS', '/v1.41/_ping'],
    ['DELETE of a container by an identity allowed to delete', () => alice, 'DELETE', '/v1.41/containers/dgt-raw-no-such-container'],
  ];
  it.each(smuggling)('a chunked body on %s is refused (400): a request inside it never reaches dockerd', async (_who, identity, method, target) => {
    const name = `dgt-raw-smuggled-${method.toLowerCase()}`;
    const conn = await RawConnection.tls(identity(), gw.port);
    conn.write(httpRequest({ method, target, headers: [['Transfer-Encoding', 'chunked']], body: chunked(smuggledCreate(name), 64) }));
    const r = await conn.response();
    expect(r.status).toBe(400);
    expect(message(r)).toMatch(/body/);
    conn.close();
    // The daemon would have run the inner create right after the outer request: give it time.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await inspect(name)).exists).toBe(false);
  });

  it('a DELETE body with a Content-Length is framed as sent: dockerd reads it as that body, not as a request', async () => {
    const name = 'dgt-raw-smuggled-delete-cl';
    const inner = smuggledCreate(name);
    const r = await rawExchange(alice, gw.port, httpRequest({ method: 'DELETE', target: '/v1.41/containers/dgt-raw-no-such-container', headers: [['Content-Length', String(Buffer.byteLength(inner))]], body: inner }));
    expect(r.status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await inspect(name)).exists).toBe(false);
  });

  // Node keeps at most 2000 header lines in req.headers by default but frames the body by the
  // lines it left out: a Content-Length or Transfer-Encoding behind 1100 filler headers.
  const hidden: Array<[string, () => string, string, string, 'cl' | 'chunked']> = [
    ['GET /_ping by a read-only identity, Content-Length', () => reader, 'GET', '/v1.41/_ping', 'cl'],
    ['HEAD /_ping by a read-only identity, Content-Length', () => reader, 'HEAD', '/v1.41/_ping', 'cl'],
    ['GET /_ping by a read-only identity, chunked', () => reader, 'GET', '/v1.41/_ping', 'chunked'],
    ['DELETE by an identity allowed to delete, Content-Length', () => alice, 'DELETE', '/v1.41/containers/dgt-raw-no-such-container', 'cl'],
  ];
  it.each(hidden)('a framing header behind 1100 others (%s): the request inside the body never reaches dockerd', async (_name, identity, method, target, framing) => {
    const name = `dgt-raw-hidden-${method.toLowerCase()}-${framing}`;
    const inner = smuggledCreate(name);
    const filler = Array.from({ length: 1100 }, (_v, i): [string, string] => [`x${i % 10}`, 'y']);
    const conn = await RawConnection.tls(identity(), gw.port);
    try {
      const body = framing === 'cl' ? inner : chunked(inner, 64);
      conn.write(httpRequest({ method, target, headers: [...filler, framing === 'cl' ? ['Content-Length', String(Buffer.byteLength(inner))] : ['Transfer-Encoding', 'chunked']], body }));
      const r = await conn.response({ head: method === 'HEAD' });
      expect(r.status).toBeLessThan(500);
      // The connection still works, and the request after the body is the one answered.
      conn.write(httpRequest({ method: 'GET', target: '/v1.41/version' }));
      const next = await conn.response();
      expect(next.status).toBe(200);
      expect(JSON.parse(next.text)).toHaveProperty('ApiVersion');
    } finally {
      conn.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await inspect(name)).exists).toBe(false);
  });

  it('Content-Type "Application/JSON; charset=utf-8" is JSON: decided on the body like any other', async () => {
    const ct = 'Application/JSON; charset=utf-8';
    const denied = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget('dgt-raw-ct-priv'), createBody('"HostConfig":{"Privileged":true}'), ct));
    expect(denied.status).toBe(403);
    expect(message(denied)).toContain('HostConfig.Privileged is not allowed');
    expect((await inspect('dgt-raw-ct-priv')).exists).toBe(false);
    const ok = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget('dgt-raw-ct-ok'), createBody(), ct));
    expect(ok.status).toBe(201);
    expect((await inspect('dgt-raw-ct-ok')).exists).toBe(true);
  });

  it('text/plain with a body is refused (400) and not forwarded; dockerd would refuse it too', async () => {
    const req = jsonRequest('POST', createTarget('dgt-raw-text'), createBody('"HostConfig":{"Privileged":true}'), 'text/plain');
    const r = await rawExchange(alice, gw.port, req);
    expect(r.status).toBe(400);
    expect(message(r)).toContain('needs Content-Type application/json');
    expect((await inspect('dgt-raw-text')).exists).toBe(false);
    const direct = await rawExchangeUnix(socket, jsonRequest('POST', createTarget('dgt-raw-text-direct'), createBody(), 'text/plain'));
    expect(direct.status).toBe(400);
    expect((await inspect('dgt-raw-text-direct')).exists).toBe(false);
  });

  it('case-variant keys (hostconfig / PRIVILEGED) are the fields dockerd reads: denied', async () => {
    const body = `{"Image":"busybox","Labels":{"${LABEL}":"1"},"hostconfig":{"PRIVILEGED":true}}`;
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget('dgt-raw-case'), body));
    expect(r.status).toBe(403);
    expect(message(r)).toContain('HostConfig.Privileged is not allowed');
    expect((await inspect('dgt-raw-case')).exists).toBe(false);
  });

  it('dockerd really reads case-variant and ſ-folded keys (a harmless body shows it)', async () => {
    const body = `{"iMAGE":"busybox","Labels":{"${LABEL}":"1"},"hostCONFIG":{"capadd":["NET_BIND_SERVICE"],"ſecurityOpt":["no-new-privileges"]}}`;
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget('dgt-raw-fold-ok'), body));
    expect(r.status).toBe(201);
    const c = await inspect('dgt-raw-fold-ok');
    expect(c.hostConfig).toMatchObject({ CapAdd: ['NET_BIND_SERVICE'], SecurityOpt: ['no-new-privileges'] });
  });

  it.each([
    ['ſ (long s) in SecurityOpt', '"HostConfig":{"ſecurityOpt":["seccomp=unconfined"]}', 'security-option', 'seccomp'],
    ['Kelvin sign in NetworkMode', '"HostConfig":{"Networ\u212AMode":"host"}', 'host-namespace', 'NetworkMode "host"'],
    ['ſ in a legacy top-level field', '"ſecurityOpt":["apparmor=unconfined"]', 'security-option', 'apparmor'],
  ])('%s is read as dockerd reads it: denied', async (_name, extra, _code, reason) => {
    const name = `dgt-raw-fold-${_code}-${extra.length}`;
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget(name), createBody(extra)));
    expect(r.status).toBe(403);
    expect(message(r)).toContain(reason);
    expect((await inspect(name)).exists).toBe(false);
  });

  it.each([
    ['exact duplicate keys', '"HostConfig":{"Privileged":false,"Privileged":true}', 'ambiguous-json'],
    ['case-variant duplicate keys', '"HostConfig":{"Privileged":false,"PRIVILEGED":true}', 'ambiguous-json'],
    ['duplicate HostConfig objects', '"HostConfig":{},"hostconfig":{"Privileged":true}', 'ambiguous-json'],
  ])('%s are refused as ambiguous (400), not forwarded', async (name, extra) => {
    const cname = `dgt-raw-dup-${name.split(' ')[0]}`;
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget(cname), createBody(extra)));
    expect(r.status).toBe(400);
    expect(message(r)).toMatch(/dockgate: refused POST request: .*(duplicate key|keys ".*" and ".*") .*Go merges them/);
    expect((await inspect(cname)).exists).toBe(false);
  });

  it('trailing bytes after the JSON value are refused (400), not forwarded', async () => {
    const body = `${createBody()} {"HostConfig":{"Privileged":true}}`;
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', createTarget('dgt-raw-trailing'), body));
    expect(r.status).toBe(400);
    expect(message(r)).toContain('after the JSON value');
    expect((await inspect('dgt-raw-trailing')).exists).toBe(false);
  });

  it('a declared body over the 4 MiB cap gets 413 before it is read, and nothing is created', async () => {
    const conn = await RawConnection.tls(alice, gw.port);
    const size = 4 * 1024 * 1024 + 1024;
    conn.write(httpRequest({ method: 'POST', target: createTarget('dgt-raw-big'), headers: [['Content-Type', 'application/json'], ['Content-Length', String(size)]] }));
    conn.write(Buffer.alloc(65536, 0x20));
    const r = await conn.response();
    conn.close();
    expect(r.status).toBe(413);
    expect(message(r)).toContain('inspection limit');
    expect((await inspect('dgt-raw-big')).exists).toBe(false);
  });

  it('a chunked body growing over the cap gets 413 and nothing is created', async () => {
    const conn = await RawConnection.tls(alice, gw.port);
    conn.write(httpRequest({ method: 'POST', target: createTarget('dgt-raw-big-chunked'), headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']] }));
    const pending = conn.response({ timeoutMs: 30_000 });
    // A valid JSON prefix followed by whitespace: only the size is wrong.
    const piece = Buffer.alloc(256 * 1024, 0x20);
    conn.write(`1\r\n{\r\n`);
    for (let i = 0; i < 20 && !conn.isClosed; i++) conn.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
    const r = await pending;
    conn.close();
    expect(r.status).toBe(413);
    expect((await inspect('dgt-raw-big-chunked')).exists).toBe(false);
  });
});

describe('paths are routed exactly like dockerd, unclean ones refused', () => {
  it('an encoded "?" stays in the path: no route for dockerd, denied by the gateway', async () => {
    const target = '/v1.41/containers/create%3Fname=dgt-raw-enc';
    const direct = await rawExchangeUnix(socket, jsonRequest('POST', target, createBody()));
    expect(direct.status).toBe(404);
    const r = await rawExchange(admin, gw.port, jsonRequest('POST', target, createBody()));
    expect(r.status).toBe(403);
    expect(message(r)).toContain('no Engine API route matches POST /v1.41/containers/create?name=dgt-raw-enc');
    expect((await inspect('dgt-raw-enc')).exists).toBe(false);
    const labelled = await dockerDirect(socket, ['ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}}']);
    expect(labelled.stdout).not.toContain('dgt-raw-enc');
  });

  it.each([
    ['GET', '/containers/%2e%2e/containers/json'],
    ['GET', '//containers/json'],
    ['GET', '/v1.41/./containers/json'],
    ['GET', '/v1.41/containers/%2E%2E/containers/json'],
  ])('%s %s: dockerd redirects (301), the gateway refuses (400)', async (method, target) => {
    const direct = await rawExchangeUnix(socket, httpRequest({ method, target }));
    expect(direct.status).toBe(301);
    const r = await rawExchange(admin, gw.port, httpRequest({ method, target }));
    expect(r.status).toBe(400);
    expect(message(r)).toContain('unclean path');
  });

  it('an unclean create path is refused and creates nothing', async () => {
    const r = await rawExchange(admin, gw.port, jsonRequest('POST', '/v1.41/containers/%2e%2e/containers/create?name=dgt-raw-dotdot', createBody()));
    expect(r.status).toBe(400);
    expect((await inspect('dgt-raw-dotdot')).exists).toBe(false);
  });

  // The daemon must be sent the target the gateway decided on, byte for byte. http-proxy's
  // own path building (url.parse) read these three differently, or threw and ended the process.
  it('an absolute-form target reaches the daemon as the origin-form path the gateway decided on', async () => {
    const target = 'javascript://_ping/v1.41/containers/json?all=1';
    const direct = await rawExchangeUnix(socket, httpRequest({ method: 'GET', target }));
    expect(direct.status).toBe(200);
    const r = await rawExchange(reader, gw.port, httpRequest({ method: 'GET', target }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual(expect.any(Array));
  });

  it('a backslash in the path reaches the daemon as a backslash, as the gateway read it', async () => {
    const target = '/v1.41/images/dgt\\raw/json';
    const direct = await rawExchangeUnix(socket, httpRequest({ method: 'GET', target }));
    // dockerd refuses the name with the backslash in it (through url.parse it was `dgt/raw`).
    expect(direct.status).toBe(400);
    expect(direct.text).toContain('dgt\\\\raw');
    const r = await rawExchange(reader, gw.port, httpRequest({ method: 'GET', target }));
    expect(r.status).toBe(400);
    expect(r.text).toBe(direct.text);
  });

  it('an absolute-form target with a host url.parse rejects is forwarded, and the gateway lives on', async () => {
    const r = await rawExchange(reader, gw.port, httpRequest({ method: 'GET', target: 'http://xn--/_ping' }));
    expect(r.status).toBe(200);
    expect(r.text).toBe('OK');
    const after = await rawExchange(reader, gw.port, httpRequest({ method: 'GET', target: '/_ping' }));
    expect(after.text).toBe('OK');
  });

  it('a clean request still works on the same terms (sanity)', async () => {
    const r = await rawExchange(reader, gw.port, httpRequest({ method: 'GET', target: '/v1.41/containers/json?all=1' }));
    expect(r.status).toBe(200);
    expect(Array.isArray(JSON.parse(r.text))).toBe(true);
  });
});

describe('query and form values as Go reads them', () => {
  beforeAll(async () => {
    const r = await docker(admin, gw.port, ['run', '-d', '--name', 'dgt-raw-trap', 'busybox', 'sh', '-c', 'trap "echo got-usr1" USR1; echo ready; while true; do sleep 0.1; done']);
    expect(r.code).toBe(0);
  });

  const logs = async (): Promise<string> => (await dockerDirect(socket, ['logs', 'dgt-raw-trap'])).stdout;
  const form = (target: string, body: string): Buffer =>
    httpRequest({ method: 'POST', target, headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(body.length)]], body });

  it('a form-encoded kill signal is what dockerd uses (the container traps it and keeps running)', async () => {
    const r = await rawExchange(alice, gw.port, form('/v1.41/containers/dgt-raw-trap/kill', 'signal=SIGUSR1'));
    expect(r.status).toBe(204);
    await new Promise((res) => setTimeout(res, 1000));
    expect((await logs()).split('\n').filter((l) => l === 'got-usr1')).toHaveLength(1);
    expect((await inspect('dgt-raw-trap')).running).toBe(true);
  });

  it('the same key in the query and the form body is refused as ambiguous, and no signal is sent', async () => {
    const r = await rawExchange(alice, gw.port, form('/v1.41/containers/dgt-raw-trap/kill?signal=SIGKILL', 'signal=SIGUSR1'));
    expect(r.status).toBe(400);
    expect(message(r)).toContain('"signal" is in both the form body and the query');
    await new Promise((res) => setTimeout(res, 1000));
    expect((await logs()).split('\n').filter((l) => l === 'got-usr1')).toHaveLength(1);
    expect((await inspect('dgt-raw-trap')).running).toBe(true);
  });

  it('the decision sees the form body: tagging as a forbidden name in the form is denied', async () => {
    const denied = await rawExchange(alice, gw.port, form('/v1.41/images/busybox/tag', 'repo=dgt-raw-evil&tag=1'));
    expect(denied.status).toBe(403);
    expect(message(denied)).toContain('dockgate: denied ImageTag for alice (groups developers): ');
    expect(message(denied)).toContain('dgt-raw-evil');
    expect((await dockerDirect(socket, ['image', 'inspect', 'dgt-raw-evil:1'])).code).not.toBe(0);
    const allowed = await rawExchange(alice, gw.port, form('/v1.41/images/busybox/tag', 'repo=busybox&tag=dgt-raw-form'));
    expect(allowed.status).toBe(201);
    expect((await dockerDirect(socket, ['image', 'inspect', 'busybox:dgt-raw-form'])).code).toBe(0);
  });

  it("Go's first value wins for duplicate query keys: the first one decides", async () => {
    const r = await rawExchange(alice, gw.port, httpRequest({ method: 'POST', target: '/v1.41/images/busybox/tag?repo=dgt-raw-evil&repo=busybox&tag=2', headers: [['Content-Length', '0']] }));
    expect(r.status).toBe(403);
    expect((await dockerDirect(socket, ['image', 'inspect', 'dgt-raw-evil:2'])).code).not.toBe(0);
  });
});

describe('legacy API (< 1.24) bodies dockerd 20.10 still honours', () => {
  it('ContainerStart with a HostConfig body (which dockerd 20.10 would apply) is refused for everyone, admins too', async () => {
    const create = (who: string, name: string): Promise<RawResponse> => rawExchange(who, gw.port, jsonRequest('POST', createTarget(name), createBody()));
    expect((await create(admin, 'dgt-raw-legacy-admin')).status).toBe(201);
    const refused = await rawExchange(admin, gw.port, jsonRequest('POST', '/v1.23/containers/dgt-raw-legacy-admin/start', JSON.stringify({ Binds: [`${hostDir}:/w`] })));
    expect(refused.status).toBe(400);
    expect(message(refused)).toMatch(/HostConfig in the ContainerStart body/);
    expect((await inspect('dgt-raw-legacy-admin')).hostConfig).toMatchObject({ Binds: null });

    expect((await create(alice, 'dgt-raw-legacy')).status).toBe(201);
    for (const body of [{ Privileged: true }, { Binds: ['/:/host'] }, { PidMode: 'host' }, { capadd: ['SYS_ADMIN'] }]) {
      const r = await rawExchange(alice, gw.port, jsonRequest('POST', '/v1.23/containers/dgt-raw-legacy/start', JSON.stringify(body)));
      expect(r.status).toBe(400);
    }
    const c = await inspect('dgt-raw-legacy');
    expect(c.hostConfig).toMatchObject({ Privileged: false, Binds: null, PidMode: '', CapAdd: null });
    expect(c.running).toBe(false);
    // An empty (or `{}`) start body is what clients send: allowed.
    const plain = await rawExchange(alice, gw.port, httpRequest({ method: 'POST', target: '/v1.23/containers/dgt-raw-legacy/start', headers: [['Content-Length', '0']] }));
    expect(plain.status).toBe(204);
  });

  it('ContainerCopy (POST /containers/{id}/copy) exists on 20.10 but no non-admin rule allows it', async () => {
    const body = JSON.stringify({ Resource: '/etc/passwd' });
    const asAdmin = await rawExchange(admin, gw.port, jsonRequest('POST', '/v1.23/containers/dgt-raw-legacy-admin/copy', body));
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.includes('root:')).toBe(true);
    const r = await rawExchange(alice, gw.port, jsonRequest('POST', '/v1.23/containers/dgt-raw-legacy-admin/copy', body));
    expect(r.status).toBe(403);
    expect(message(r)).toBe('dockgate: denied ContainerCopy for alice (groups developers): no rule allows it (rule "default")');
  });
});

describe('connections', () => {
  it('a denied request on a keep-alive connection is followed by a working one', async () => {
    const conn = await RawConnection.tls(alice, gw.port);
    try {
      conn.write(jsonRequest('POST', createTarget('dgt-raw-ka-denied'), createBody('"HostConfig":{"Privileged":true}')));
      const denied = await conn.response();
      expect(denied.status).toBe(403);
      expect(denied.headers.connection?.toLowerCase()).not.toBe('close');
      conn.write(jsonRequest('POST', createTarget('dgt-raw-ka-ok'), createBody()));
      const ok = await conn.response();
      expect(ok.status).toBe(201);
      conn.write(httpRequest({ method: 'GET', target: '/v1.41/containers/dgt-raw-ka-ok/json' }));
      const info = await conn.response();
      expect(info.status).toBe(200);
      expect(JSON.parse(info.text)).toMatchObject({ Name: '/dgt-raw-ka-ok' });
    } finally {
      conn.close();
    }
    expect((await inspect('dgt-raw-ka-denied')).exists).toBe(false);
    expect((await inspect('dgt-raw-ka-ok')).exists).toBe(true);
  });

  // dockerd reads nothing from a connection after a request or an answer that closes it
  // (found by the connection-framing review: the create below was run, its answer never sent).
  it.each([
    ['a refused Expect: 100-continue upload whose body came anyway (403, Connection: close)', 'dgt-raw-after-expect', (): Buffer => httpRequest({ method: 'POST', target: '/v1.41/images/load?quiet=1', headers: [['Content-Type', 'application/x-tar'], ['Expect', '100-continue'], ['Content-Length', '10']], body: 'x'.repeat(10) }), 403],
    ['an HTTP/1.1 request without Host (400 bad-host, Connection: close)', 'dgt-raw-after-hostless', (): Buffer => Buffer.from('GET /_ping HTTP/1.1\r\n\r\n'), 400],
  ])('a request pipelined after %s is neither forwarded nor answered', async (_name, name, first, status) => {
    const conn = await RawConnection.tls(alice, gw.port);
    try {
      conn.write(Buffer.concat([first(), jsonRequest('POST', createTarget(name), createBody())]));
      const r = await conn.response();
      expect(r.status).toBe(status);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      await closedByServer(conn);
      expect(conn.takeBuffered().toString('latin1')).toBe('');
      const after = (await connectionRecords(conn, 2)).filter((x) => x.path === createTarget(name).split('?')[0]);
      expect(after).toMatchObject([{ decision: 'malformed', status: 0, reason: expect.stringMatching(/^after-close: /) as unknown }]);
    } finally {
      conn.close();
    }
    expect((await inspect(name)).exists).toBe(false);
  });

  // Go's server refuses both (readRequest) and closes; Node answered the first itself, unrecorded.
  it.each([
    ['without Host (HTTP/1.1)', 'GET /v1.41/_ping HTTP/1.1\r\n\r\n', 'missing required Host header'],
    ['with two Host headers', 'GET /v1.41/_ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'too many Host headers'],
  ])('a request %s gets 400 and a record, and the connection closes, as dockerd answers', async (_name, raw, why) => {
    const conn = await RawConnection.tls(reader, gw.port);
    try {
      conn.write(raw);
      const r = await conn.response();
      expect(r.status).toBe(400);
      expect(message(r)).toContain(why);
      await closedByServer(conn);
      expect(await connectionRecords(conn, 1)).toMatchObject([{ decision: 'malformed', status: 400, reason: expect.stringMatching(/^bad-host: /) as unknown }]);
    } finally {
      conn.close();
    }
  });

  it('an upgrade pipelined after a closing answer is neither forwarded nor answered', async () => {
    expect((await dockerDirect(socket, ['run', '-d', '-i', '--label', `${LABEL}=1`, '--name', 'dgt-raw-after-attach', 'busybox', 'cat'])).code).toBe(0);
    const conn = await RawConnection.tls(alice, gw.port);
    try {
      conn.write(Buffer.concat([
        httpRequest({ method: 'POST', target: '/v1.41/images/load?quiet=1', headers: [['Content-Type', 'application/x-tar'], ['Expect', '100-continue'], ['Content-Length', '3']], body: 'abc' }),
        httpRequest({ method: 'POST', target: '/v1.41/containers/dgt-raw-after-attach/attach?stream=1&stdin=1&stdout=1', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }),
      ]));
      expect((await conn.response()).status).toBe(403);
      await closedByServer(conn);
      expect(conn.takeBuffered().toString('latin1')).toBe('');
      const records = await connectionRecords(conn, 2);
      expect(records.find((x) => x.path === '/v1.41/containers/dgt-raw-after-attach/attach')).toMatchObject({ decision: 'malformed', status: 0, reason: expect.stringMatching(/^after-close: /) as unknown });
    } finally {
      conn.close();
    }
  });

  it.each([
    ['Connection: close', (req: Buffer): Buffer => Buffer.from(req.toString('latin1').replace('\r\n', '\r\nConnection: close\r\n'), 'latin1')],
    ['HTTP/1.0 without keep-alive', (req: Buffer): Buffer => Buffer.from(req.toString('latin1').replace(' HTTP/1.1\r\n', ' HTTP/1.0\r\n'), 'latin1')],
  ])('after a create sent with %s, the create gets its answer and a pipelined one is not run', async (label, closing) => {
    const name = `dgt-raw-close-${label.startsWith('HTTP') ? '10' : 'hdr'}`;
    const conn = await RawConnection.tls(alice, gw.port);
    try {
      conn.write(Buffer.concat([closing(jsonRequest('POST', createTarget(name), createBody())), jsonRequest('POST', createTarget(`${name}-2`), createBody())]));
      const r = await conn.response();
      expect(r.status).toBe(201);
      await closedByServer(conn);
      expect(conn.takeBuffered().toString('latin1')).toBe('');
      const records = await connectionRecords(conn, 2);
      expect(records).toContainEqual(expect.objectContaining({ decision: 'malformed', status: 0, reason: expect.stringMatching(/^after-close: .*\(HPE_CLOSED_CONNECTION\)$/) as unknown }));
    } finally {
      conn.close();
    }
    expect((await inspect(name)).exists).toBe(true);
    expect((await inspect(`${name}-2`)).exists).toBe(false);
  });

  it('bytes the parser refuses behind an allowed create: the create is answered first, then the 400, as dockerd does', async () => {
    const bytes = (name: string): Buffer => Buffer.concat([jsonRequest('POST', createTarget(name), createBody()), Buffer.from('get / HTTP/1.1\r\n\r\n')]);
    await sideBySide(alice, [bytes('dgt-raw-lost-answer'), bytes('dgt-raw-lost-answer-direct')], async (conn, direct) => {
      for (const c of [conn, direct]) {
        expect((await c.response()).status).toBe(201);
        expect((await c.response()).status).toBe(400);
        await closedByServer(c);
      }
      const records = await connectionRecords(conn, 2);
      expect(records.map((x) => [x.decision, x.status, x.reason])).toEqual([
        ['allow', 201, 'allowed by rule "dev-containers"'],
        ['malformed', 400, 'http-parser: HPE_INVALID_METHOD'],
      ]);
    });
    expect((await inspect('dgt-raw-lost-answer')).exists).toBe(true);
  });


  // A client that writes its whole body before reading (python's docker SDK does) must still get
  // the refusal: the gateway discards the rest of a refused body instead of resetting the connection.
  it('a denied request gets its 403 even when the client reads only after writing a 32 MiB body', async () => {
    const conn = await RawConnection.tls(reader, gw.port);
    try {
      const r = await writeAllThenRead(conn, 'POST', '/v1.41/images/load?quiet=1', 'application/x-tar', 32 * 1024 * 1024);
      expect(r.status).toBe(403);
      expect(message(r)).toBe('dockgate: denied ImageLoad for reader (groups none): no rule allows it (rule "default")');
      // The body was consumed in full, so the connection still carries requests.
      conn.write(httpRequest({ method: 'GET', target: '/_ping' }));
      const ping = await conn.response();
      expect(ping.status).toBe(200);
      expect(ping.text).toBe('OK');
    } finally {
      conn.close();
    }
  });

  it('an over-cap body gets its 413 even when the client reads only after writing all 12 MiB', async () => {
    const conn = await RawConnection.tls(alice, gw.port);
    try {
      const r = await writeAllThenRead(conn, 'POST', createTarget('dgt-raw-big-then-read'), 'application/json', 12 * 1024 * 1024);
      expect(r.status).toBe(413);
      expect(message(r)).toContain('inspection limit');
    } finally {
      conn.close();
    }
    expect((await inspect('dgt-raw-big-then-read')).exists).toBe(false);
  });

  it('a refused body is discarded only up to 64 MiB, then the connection is closed', async () => {
    const conn = await RawConnection.tls(reader, gw.port);
    try {
      const size = 256 * 1024 * 1024;
      conn.write(httpRequest({ method: 'POST', target: '/v1.41/images/load?quiet=1', headers: [['Content-Type', 'application/x-tar'], ['Content-Length', String(size)]] }));
      const written = await writeBody(conn, size);
      const r = await conn.response();
      expect(r.status).toBe(403);
      await Promise.race([conn.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('socket left open')), 15_000))]);
      expect(conn.isClosed).toBe(true);
      expect(written).toBeGreaterThan(64 * 1024 * 1024);
      expect(written).toBeLessThan(size);
    } finally {
      conn.close();
    }
  });

  it('a denied upgrade gets 403 before any upgrade, the socket is closed, nothing after it is forwarded', async () => {
    expect((await docker(admin, gw.port, ['run', '-d', '-i', '--name', 'dgt-raw-cat', 'busybox', 'cat'])).code).toBe(0);
    const conn = await RawConnection.tls(reader, gw.port);
    const smuggled = jsonRequest('POST', createTarget('dgt-raw-smuggled'), createBody('"HostConfig":{"Privileged":true}'));
    conn.write(Buffer.concat([
      httpRequest({ method: 'POST', target: '/v1.41/containers/dgt-raw-cat/attach?stream=1&stdin=1&stdout=1', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }),
      smuggled,
    ]));
    const r = await conn.response();
    expect(r.status).toBe(403);
    expect(message(r)).toBe('dockgate: denied ContainerAttach for reader (groups none): no rule allows it (rule "default")');
    await Promise.race([conn.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('socket left open')), 5000))]);
    expect(conn.isClosed).toBe(true);
    conn.write(smuggled);
    expect(conn.takeBuffered().length).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect((await inspect('dgt-raw-smuggled')).exists).toBe(false);
    // Nothing reached the attached process either.
    expect((await dockerDirect(socket, ['logs', 'dgt-raw-cat'])).stdout).toBe('');
    // The refusal is recorded like one on the plain path: with the time to its headers.
    const denied = gw.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.operation === 'ContainerAttach' && x.decision === 'deny');
    expect(denied).toHaveLength(1);
    expect(typeof denied[0]?.headersMs).toBe('number');
  });

  it('client connections get TCP keep-alive probes (a vanished client cannot hold its streams for good)', async () => {
    const conn = await RawConnection.tls(reader, gw.port);
    try {
      const local = (conn.socket as import('node:tls').TLSSocket).localPort;
      // The gateway's side of this connection, with its timers (-o): idle, it waits on keep-alive.
      const state = execFileSync('ss', ['-tnoH', `( sport = :${gw.port} and dport = :${local} )`]).toString();
      expect(state).toMatch(/timer:\(keepalive,/);
    } finally {
      conn.close();
    }
  });

  it.each([
    ['refused by the policy (403)', () => reader, 'dgt-raw-cat', 403],
    ["answered by the daemon without an upgrade (its 404, relayed)", () => admin, 'dgt-raw-no-such', 404],
  ])('an upgrade %s whose client never closes its side is closed by the gateway after the grace period', async (_name, who, container, status) => {
    // The client keeps its half of the connection open after the 403 (allowHalfOpen, which
    // tls.connect passes to its socket). Whether the gateway still holds the connection is read
    // from the kernel: `ss` names the process that owns each socket.
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: gw.port,
      ca: readFileSync(join(who(), 'ca.pem')),
      cert: readFileSync(join(who(), 'cert.pem')),
      key: readFileSync(join(who(), 'key.pem')),
      allowHalfOpen: true,
    } as ConnectionOptions);
    try {
      await once(socket, 'secureConnect');
      const owned = (): boolean => execFileSync('ss', ['-tnpH', `( sport = :${gw.port} and dport = :${socket.localPort} )`]).toString().includes(`pid=${gw.process.pid},`);
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      const t0 = Date.now();
      socket.write(httpRequest({ method: 'POST', target: `/v1.41/containers/${container}/attach?stream=1&stdout=1`, headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }));
      await once(socket, 'end');
      expect(got).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(socket.writableEnded, 'the client kept its side open').toBe(false);
      expect(owned(), 'the gateway holds the half-closed connection during the grace period').toBe(true);
      await new Promise((r) => setTimeout(r, RAW_ANSWER_GRACE_MS + 1000 - (Date.now() - t0)));
      expect(owned(), 'the gateway let the connection go after the grace period').toBe(false);
    } finally {
      socket.destroy();
    }
  });

  it('an Upgrade header without "Connection: Upgrade" is not forwarded: the exec answers as a plain response', async () => {
    // Node's server takes such a request as a normal one; had the gateway passed the header on,
    // dockerd would switch protocols (it looks at Upgrade alone) and the client would hang.
    const created = await rawExchange(admin, gw.port, jsonRequest('POST', '/v1.41/containers/dgt-raw-cat/exec', '{"Cmd":["echo","plain-exec"],"AttachStdout":true}'));
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.text) as { Id: string }).Id;
    const body = '{"Detach":false,"Tty":false}';
    const r = await rawExchange(admin, gw.port, httpRequest({
      method: 'POST',
      target: `/v1.41/exec/${id}/start`,
      headers: [['Upgrade', 'tcp'], ['Content-Type', 'application/json'], ['Content-Length', String(body.length)]],
      body,
    }), { timeoutMs: 10_000 });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.docker.raw-stream');
    // One stdout frame: an 8-byte header (stream 1) then the payload.
    expect(r.body[0]).toBe(1);
    expect(r.body.subarray(8).toString()).toBe('plain-exec\n');
  });

  // dockerd reads an upgrade only once the answers owed before it on the connection are done
  // (found by the tunnels review: the 101 came first and the earlier 200 landed in the tunnel;
  // a refused upgrade's 403 and close overtook a create's 201, the container made all the same).
  it('an upgrade pipelined behind a pending answer waits for it: the 200 first, then the 101, as dockerd does', async () => {
    const name = await catContainer('dgt-raw-pipe-attach');
    const bytes = Buffer.concat([
      httpRequest({ method: 'GET', target: `/v1.41/containers/${name}/stats?stream=0` }),
      httpRequest({ method: 'POST', target: `/v1.41/containers/${name}/attach?stream=1&stdin=1&stdout=1`, headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }),
    ]);
    await sideBySide(alice, bytes, async (conn, direct) => {
      for (const c of [conn, direct]) {
        const stats = await c.response();
        expect(stats.status).toBe(200);
        expect(JSON.parse(stats.text)).toHaveProperty('cpu_stats');
        expect((await c.response()).status).toBe(101);
      }
      conn.write('through-the-tunnel\n');
      expect((await tunnelOutput(conn, 'through-the-tunnel')).subarray(8).toString()).toBe('through-the-tunnel\n');
    });
  });

  it('a refused upgrade behind an allowed create: the 201 first, then the 403 and the close, as dockerd answers in order', async () => {
    const name = 'dgt-raw-before-refused-upgrade';
    const exec = '{"Detach":false,"Tty":false}';
    const conn = await RawConnection.tls(alice, gw.port);
    try {
      conn.write(Buffer.concat([
        jsonRequest('POST', createTarget(name), createBody()),
        httpRequest({ method: 'POST', target: '/v1.41/exec/0123456789ab/start', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Type', 'application/json'], ['Content-Length', String(exec.length)]], body: exec }),
      ]));
      expect((await conn.response()).status).toBe(201);
      const refused = await conn.response();
      expect(refused.status).toBe(403);
      expect(message(refused)).toContain('denied ExecStart for alice');
      await closedByServer(conn);
      const records = await connectionRecords(conn, 2);
      expect(records.map((x) => [x.operation, x.decision, x.status])).toEqual([['ContainerCreate', 'allow', 201], ['ExecStart', 'deny', 403]]);
    } finally {
      conn.close();
    }
    expect((await inspect(name)).exists).toBe(true);
  });

  it('an upgrade behind an endless answer is not read while it waits; a client that leaves is recorded without a decision', async () => {
    const name = await catContainer('dgt-raw-wait-attach');
    const mark = 'dgt-raw-wait-mark';
    const conn = await RawConnection.tls(alice, gw.port);
    let seen = '';
    let records: Promise<Record<string, unknown>[]> | undefined;
    try {
      conn.write(Buffer.concat([
        httpRequest({ method: 'GET', target: `/v1.41/events?filters=${encodeURIComponent(JSON.stringify({ label: [LABEL] }))}` }),
        httpRequest({ method: 'POST', target: `/v1.41/containers/${name}/attach?stream=1&stdin=1&stdout=1`, headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }),
        Buffer.from('not-for-the-container\n'),
      ]));
      // The events stream is under way (an event made after both requests arrived has reached
      // the client), and the upgrade behind it has not been answered.
      expect((await dockerDirect(socket, ['create', '--label', `${LABEL}=1`, '--name', mark, 'busybox', 'true'])).code).toBe(0);
      await until(() => (seen += conn.takeBuffered().toString('latin1')).includes(mark), 10_000, 'the event of the marker container');
      expect(seen).toMatch(/^HTTP\/1\.1 200 /);
      expect(seen).not.toMatch(/HTTP\/1\.1 101/);
    } finally {
      // Read while the connection is open (its local port names the records).
      records = connectionRecords(conn, 2);
      conn.close();
    }
    expect((await records)?.find((x) => x.path === `/v1.41/containers/${name}/attach`)).toMatchObject({ decision: 'malformed', status: 0, reason: 'client-left: client connection closed before a decision' });
    expect((await dockerDirect(socket, ['logs', name])).stdout).toBe('');
  });

  // dockerd answers an upload early (the target directory is missing) and stops reading it; the
  // gateway discards the rest of the body, bounded, so the connection stays usable (found by the
  // tunnels review: the client's body stalled, the connection was reset ~6 s later, and a request
  // sent after the body was never answered).
  it('an upload the daemon answered before taking its body: the rest is discarded and the next request is answered', async () => {
    const name = await catContainer('dgt-raw-early-answer');
    const size = 8 * 1024 * 1024;
    const conn = await RawConnection.tls(admin, gw.port);
    try {
      const first = 64 * 1024;
      conn.write(httpRequest({ method: 'PUT', target: `/v1.41/containers/${name}/archive?path=/nonexistent-dir`, headers: [['Content-Type', 'application/x-tar'], ['Content-Length', String(size)]], body: Buffer.alloc(first, 0x61) }));
      const early = await conn.response();
      expect(early.status).toBe(404);
      expect(early.headers.connection?.toLowerCase()).not.toBe('close');
      // dockerd closes its side 500 ms after such an answer (Go's delay against resets), cleanly:
      // the rest of the body comes after that, when the gateway's relay to it has stopped.
      await new Promise((res) => setTimeout(res, 1000));
      expect(await writeBody(conn, size - first)).toBe(size - first);
      conn.write(httpRequest({ method: 'GET', target: '/_ping' }));
      const ping = await conn.response();
      expect(ping.status).toBe(200);
      expect(ping.text).toBe('OK');
    } finally {
      conn.close();
    }
  });

  it('an allowed upgrade is tunnelled only after the daemon answers 101', async () => {
    const conn = await RawConnection.tls(alice, gw.port);
    try {
      conn.write(httpRequest({ method: 'POST', target: '/v1.41/containers/dgt-raw-cat/attach?stream=1&stdin=1&stdout=1', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }));
      const r = await conn.response();
      expect(r.status).toBe(101);
      expect(r.headers['x-dockgate-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
      conn.write('through-the-tunnel\n');
      const until = Date.now() + 10_000;
      let got = conn.takeBuffered();
      while (!got.includes('through-the-tunnel') && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 100));
        got = Buffer.concat([got, conn.takeBuffered()]);
      }
      // Non-TTY attach multiplexes: an 8-byte header (stream 1 = stdout) then the payload.
      expect(got[0]).toBe(1);
      expect(got.subarray(8).toString()).toBe('through-the-tunnel\n');
    } finally {
      conn.close();
    }
  });
});

// dockerd (Go's conn.serve) reads the FIRST Expect header: `100-continue` among its tokens is a
// 100 for a request with a body, an empty value is no expectation, anything else a 417 with
// `Connection: close` and nothing more read. Node answered every other value (an empty one too)
// with a 417 of its own: no record, no request id, the connection kept and what followed served
// (found by the records review).
describe('Expect headers as dockerd reads them', () => {
  const ping = (expects: string[], version = '1.1'): Buffer => {
    const req = httpRequest({ method: 'GET', target: '/v1.41/_ping', headers: expects.map((v): [string, string] => ['Expect', v]) });
    return version === '1.1' ? req : Buffer.from(req.toString('latin1').replace(' HTTP/1.1\r\n', ` HTTP/${version}\r\n`), 'latin1');
  };

  it.each([
    ['foo', ['foo'], '1.1'],
    ['FOO', ['FOO'], '1.1'],
    ['200-ok', ['200-ok'], '1.1'],
    ['foo;100-continue (Node would read 100-continue in it)', ['foo;100-continue'], '1.1'],
    ['foo, then 100-continue (Go reads the first; Node joins them)', ['foo', '100-continue'], '1.1'],
    ['foo over HTTP/1.0 (Go refuses it too; Node handed it on)', ['foo'], '1.0'],
  ])('Expect %s: 417 with a request id and a bad-expect record, the connection closed, a pipelined create neither run nor answered', async (_label, expects, version) => {
    const name = `dgt-raw-expect-${expects.join('').replace(/[^a-z0-9]/gi, '').toLowerCase()}-${version.replace('.', '')}`;
    // Over HTTP/1.0 (no keep-alive) what follows is bytes after the close anyway: none sent.
    const bytes = (n: string): Buffer => Buffer.concat(version === '1.1' ? [ping(expects, version), jsonRequest('POST', createTarget(n), createBody())] : [ping(expects, version)]);
    await sideBySide(alice, [bytes(name), bytes(`${name}-direct`)], async (conn, direct) => {
      for (const c of [conn, direct]) {
        const r = await c.response();
        expect(r.status).toBe(417);
        if (version === '1.1') expect(r.headers.connection?.toLowerCase()).toBe('close');
        await closedByServer(c);
        expect(c.takeBuffered().toString('latin1')).toBe('');
        if (c === conn) expect(r.headers['x-dockgate-request-id']).toMatch(/.+/);
      }
      const records = await connectionRecords(conn, version === '1.1' ? 2 : 1);
      expect(records.map((x) => [x.path, x.decision, x.status, String(x.reason).split(':')[0]])).toEqual([
        ['/v1.41/_ping', 'malformed', 417, 'bad-expect'],
        ...(version === '1.1' ? [['/v1.41/containers/create', 'malformed', 0, 'after-close']] : []),
      ]);
    });
    expect((await inspect(name)).exists).toBe(false);
    expect((await inspect(`${name}-direct`)).exists).toBe(false);
  });

  it.each([
    ['an empty Expect', ['']],
    ['an empty first Expect, then foo', ['', 'foo']],
    ['Expect: 100-continue without a body (Go sends no 100)', ['100-continue']],
  ])('%s is served like a request without one: no 100, the answer, the connection kept', async (_label, expects) => {
    const bytes = Buffer.concat([ping(expects), httpRequest({ method: 'GET', target: '/v1.41/version' })]);
    await sideBySide(reader, bytes, async (conn, direct) => {
      for (const c of [conn, direct]) {
        const r = await c.response();
        expect(r.status).toBe(200);
        expect(r.text).toBe('OK');
        expect(r.headers.connection?.toLowerCase()).not.toBe('close');
        expect((await c.response()).status).toBe(200);
      }
      expect((await connectionRecords(conn, 2)).map((x) => [x.operation, x.decision, x.status])).toEqual([
        ['SystemPing', 'allow', 200],
        ['SystemVersion', 'allow', 200],
      ]);
    });
  });

  it('an empty first Expect, then 100-continue, on a create with a body: no 100 (dockerd reads the body without one), 201', async () => {
    const bytes = (n: string): Buffer => httpRequest({ method: 'POST', target: createTarget(n), headers: [['Content-Type', 'application/json'], ['Expect', ''], ['Expect', '100-continue'], ['Content-Length', String(createBody().length)]], body: createBody() });
    await sideBySide(alice, [bytes('dgt-raw-expect-empty-first'), bytes('dgt-raw-expect-empty-first-direct')], async (conn, direct) => {
      for (const c of [conn, direct]) expect((await c.response()).status).toBe(201);
    });
    expect((await inspect('dgt-raw-expect-empty-first')).exists).toBe(true);
  });

  it('100-continue, then foo: the first decides, the 100 comes before the body, which is forwarded', async () => {
    const body = createBody();
    const head = (n: string): Buffer => httpRequest({ method: 'POST', target: createTarget(n), headers: [['Content-Type', 'application/json'], ['Expect', '100-continue'], ['Expect', 'foo'], ['Content-Length', String(body.length)]] });
    await sideBySide(alice, [head('dgt-raw-expect-continue-first'), head('dgt-raw-expect-continue-first-direct')], async (conn, direct) => {
      for (const c of [conn, direct]) {
        expect((await c.response()).status).toBe(100);
        c.write(body);
        expect((await c.response()).status).toBe(201);
      }
    });
    expect((await inspect('dgt-raw-expect-continue-first')).exists).toBe(true);
  });

  // A header-only refusal that closes the connection, pipelined behind an answer still owed,
  // waits for its turn as dockerd answers in order (found by the Expect review: the gateway
  // destroyed the connection, the earlier answers were lost, an allowed create was run without
  // its 201, and a live events stream was cut for a request dockerd never reads).
  it.each([
    ['bad-expect (Expect: foo)', ping(['foo']), 417, 'bad-expect'],
    ['bad-host (two Host headers)', httpRequest({ method: 'GET', target: '/v1.41/_ping', headers: [['Host', 'a'], ['Host', 'b']] }), 400, 'bad-host'],
  ])('%s behind a ping in the same write: the 200 first, then the refusal and the close, as dockerd answers', async (_label, refused, status, reason) => {
    const bytes = Buffer.concat([ping([]), refused]);
    await sideBySide(reader, bytes, async (conn, direct) => {
      for (const c of [conn, direct]) {
        const first = await c.response();
        expect([first.status, first.text]).toEqual([200, 'OK']);
        const r = await c.response();
        expect(r.status).toBe(status);
        expect(r.headers.connection?.toLowerCase()).toBe('close');
        await closedByServer(c);
      }
      expect((await connectionRecords(conn, 2)).map((x) => [x.decision, x.status, String(x.reason).split(':')[0]])).toEqual([
        ['allow', 200, 'allowed by rule "readers"'],
        ['malformed', status, reason],
      ]);
    });
  });

  it('Expect: foo behind an allowed create in the same write: the 201 reaches the client, then the 417, as dockerd answers', async () => {
    const bytes = (n: string): Buffer => Buffer.concat([jsonRequest('POST', createTarget(n), createBody()), ping(['foo'])]);
    await sideBySide(alice, [bytes('dgt-raw-create-then-417'), bytes('dgt-raw-create-then-417-direct')], async (conn, direct) => {
      for (const c of [conn, direct]) {
        expect((await c.response()).status).toBe(201);
        expect((await c.response()).status).toBe(417);
        await closedByServer(c);
      }
      expect((await connectionRecords(conn, 2)).map((x) => [x.path, x.decision, x.status])).toEqual([
        ['/containers/create', 'allow', 201],
        ['/v1.41/_ping', 'malformed', 417],
      ]);
    });
    expect((await inspect('dgt-raw-create-then-417')).exists).toBe(true);
    expect((await inspect('dgt-raw-create-then-417-direct')).exists).toBe(true);
  });

  it('Expect: foo behind a live events stream does not cut it (dockerd never reads it); recorded status 0 when the client leaves', async () => {
    const mark = 'dgt-raw-events-then-417';
    const events = httpRequest({ method: 'GET', target: `/v1.41/events?filters=${encodeURIComponent(JSON.stringify({ container: [mark] }))}` });
    const conn = await RawConnection.tls(reader, gw.port);
    const direct = await RawConnection.unix(socket);
    let records: Promise<Record<string, unknown>[]> | undefined;
    try {
      for (const c of [conn, direct]) c.write(events);
      await new Promise((res) => setTimeout(res, 500));
      for (const c of [conn, direct]) c.write(ping(['foo']));
      await new Promise((res) => setTimeout(res, 500));
      // An event made after both requests arrived still reaches both clients: the stream runs on.
      expect((await dockerDirect(socket, ['create', '--label', `${LABEL}=1`, '--name', mark, 'busybox', 'true'])).code).toBe(0);
      for (const c of [conn, direct]) {
        let seen = '';
        await until(() => (seen += c.takeBuffered().toString('latin1')).includes(mark), 10_000, 'the event of the marker container');
        expect(seen).toMatch(/^HTTP\/1\.1 200 /);
        expect(seen).not.toMatch(/HTTP\/1\.1 417/);
      }
    } finally {
      // Read while the connection is open (its local port names the records).
      records = connectionRecords(conn, 2);
      conn.close();
      direct.close();
    }
    // Both written as the connection ends; the 417 never went out.
    expect((await records)?.map((x) => [x.path, x.status, String(x.reason).split(':')[0]]).sort()).toEqual([
      ['/events', 200, 'allowed by rule "readers"'],
      ['/v1.41/_ping', 0, 'bad-expect'],
    ]);
  });

  it('an attach upgrade with Expect: foo gets 417 and a bad-expect record, as dockerd answers; no tunnel', async () => {
    const name = await catContainer('dgt-raw-expect-attach');
    const bytes = httpRequest({ method: 'POST', target: `/v1.41/containers/${name}/attach?stream=1&stdin=1&stdout=1`, headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Expect', 'foo'], ['Content-Length', '0']] });
    await sideBySide(alice, bytes, async (conn, direct) => {
      for (const c of [conn, direct]) {
        expect((await c.response()).status).toBe(417);
        await closedByServer(c);
      }
      expect(await connectionRecords(conn, 1)).toMatchObject([{ path: `/v1.41/containers/${name}/attach`, decision: 'malformed', status: 417, reason: expect.stringMatching(/^bad-expect: /) as unknown }]);
    });
  });

  // Go's server sends these refusals itself with `Connection: close`, upgrade or not (found by
  // the Expect review: the gateway's raw 417 closed without saying so).
  it.each([
    ['Expect: foo', [['Expect', 'foo']] as [string, string][], 417],
    ['two Host headers', [['Host', 'a'], ['Host', 'b']] as [string, string][], 400],
  ])('an attach upgrade with %s: the refusal says Connection: close, as dockerd\'s does', async (_label, extra, status) => {
    const name = await catContainer(`dgt-raw-said-close-${status}`);
    const bytes = httpRequest({ method: 'POST', target: `/v1.41/containers/${name}/attach?stream=1&stdin=1&stdout=1`, headers: [...extra, ['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] });
    await sideBySide(alice, bytes, async (conn, direct) => {
      for (const c of [conn, direct]) {
        const r = await c.response();
        expect(r.status).toBe(status);
        expect(r.headers.connection?.toLowerCase()).toBe('close');
        await closedByServer(c);
      }
    });
  });

  // Node's upgrade event bypasses checkContinue: an exec start waiting for its 100 got none and
  // a 408 after limits.bodyTimeoutMs (found by the Expect review); dockerd sends it at once.
  it.each([
    ['the body held back until the 100', false],
    ['the body sent with the head', true],
  ])('an exec start upgrade with Expect: 100-continue, %s: the 100 as from dockerd, then 101 and the output', async (_label, atOnce) => {
    const name = await catContainer(`dgt-raw-continue-exec-${atOnce ? 'once' : 'held'}`);
    const body = '{"Detach":false,"Tty":false}';
    const head = (id: string): Buffer => httpRequest({ method: 'POST', target: `/v1.41/exec/${id}/start`, headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Type', 'application/json'], ['Expect', '100-continue'], ['Content-Length', String(body.length)]] });
    const conn = await RawConnection.tls(admin, gw.port);
    const direct = await RawConnection.unix(socket);
    const statuses: number[][] = [];
    try {
      for (const c of [conn, direct]) {
        c.write(jsonRequest('POST', `/v1.41/containers/${name}/exec`, '{"Cmd":["echo","continued-exec"],"AttachStdout":true}'));
        const created = await c.response();
        expect(created.status).toBe(201);
        const id = (JSON.parse(created.text) as { Id: string }).Id;
        const seen: number[] = [];
        if (atOnce) {
          c.write(Buffer.concat([head(id), Buffer.from(body)]));
        } else {
          c.write(head(id));
          const r = await c.response({ timeoutMs: 5_000 });
          seen.push(r.status);
          c.write(body);
        }
        for (let r = await c.response(); ; r = await c.response()) {
          seen.push(r.status);
          if (r.status !== 100) break;
        }
        expect(seen.at(-1)).toBe(101);
        expect((await tunnelOutput(c, 'continued-exec')).subarray(8).toString()).toBe('continued-exec\n');
        statuses.push(seen);
      }
    } finally {
      conn.close();
      direct.close();
    }
    expect(statuses[0]).toEqual(statuses[1]);
    if (!atOnce) expect(statuses[0]).toEqual([100, 101]);
  });
});

// A refusal that holds a body share (`identity-body-budget` 429, `body-budget` 503,
// `body-timeout` 408) pipelined behind an answer still owed: the gateway stops reading the
// connection and gives the share back at once, the earlier answer goes out whole, then the
// refusal with `Connection: close`. The gateway destroyed the connection instead (fix-budget,
// session 26): a create pipelined ahead was run without its 201, a `wait` lost its answer and
// a live events stream was cut.
describe('body refusals pipelined behind answers still owed', () => {
  // Each body may be 64 KiB, an identity may announce or hold one at once, and the gateway
  // holds two bodies' bytes in all; a body has 1.5 s to arrive.
  const BODY = 64 * 1024;
  let g: TestGateway;
  let bundles: TestPki;
  beforeAll(async () => {
    bundles = await makePki({ admin: [], bob: [], carol: [] });
    const policy = join(bundles.dir, 'policy.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: everyone\n    who: { users: [admin, bob, carol] }\n    allow: all\n');
    const limits = `limits: { bodyBytes: ${BODY}, bufferedBodyBytesPerIdentity: ${BODY}, bufferedBodyBytes: ${2 * BODY}, bodyTimeoutMs: 1500 }`;
    g = await startGateway(bundles.dir, configYaml(bundles, socket, `policy: ${policy}\n${limits}\n`));
  });
  afterAll(async () => {
    await g?.stop();
  });

  const records = (conn: RawConnection): Record<string, unknown>[] => g.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.client === `127.0.0.1:${conn.localPort}`);
  const summary = (x: Record<string, unknown>): unknown[] => [x.path, x.decision, x.status, String(x.reason).split(':')[0]];
  /** A create's head announcing `length` bytes of body (chunked when undefined). */
  const createHead = (length?: number): Buffer => httpRequest({ method: 'POST', target: '/v1.41/containers/create', headers: [['Content-Type', 'application/json'], length === undefined ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', String(length)]] });
  /** A connection of `who` with a create announcing `length` bytes of body and sending `sent` of them (held by the gateway). */
  const holding = async (who: string, sent: number, length = BODY): Promise<RawConnection> => {
    const conn = await RawConnection.tls(bundles.bundle(who), g.port);
    conn.write(Buffer.concat([createHead(length), Buffer.alloc(sent, 0x61)]));
    return conn;
  };
  /** Nothing answered on `conn` for a while, and it is open. */
  const unanswered = async (conn: RawConnection): Promise<void> => {
    await new Promise((r) => setTimeout(r, 300));
    expect(conn.isClosed).toBe(false);
    expect(conn.takeBuffered().length).toBe(0);
  };

  /**
   * The three refusals: what fills the budget first (connections, closed at the end), and how
   * long the refused request takes to be refused. The refused create is chunked: its first
   * 1000-byte chunk is what goes over (a small create pipelined ahead of it still fits).
   */
  const refusals = {
    // admin has announced all but 500 bytes of its share.
    'identity-body-budget': { status: 429, decision: 'malformed', fill: async () => [await holding('admin', 1, BODY - 500)], decidedAfterMs: 300 },
    // bob and carol hold all but 501 bytes of the gateway's bound.
    'body-budget': { status: 503, decision: 'error', fill: async () => [await holding('bob', BODY - 1), await holding('carol', BODY - 500)], decidedAfterMs: 300 },
    'body-timeout': { status: 408, decision: 'malformed', fill: async () => [], decidedAfterMs: 2000 },
  } as const;
  const refused = Buffer.concat([createHead(), Buffer.from(`3e8\r\n${'{'.padEnd(1000, ' ')}\r\n`)]);
  /** After the refusal: the rest of the chunked body, then a request the gateway must not read. */
  const behind = Buffer.concat([Buffer.from('0\r\n\r\n'), httpRequest({ method: 'GET', target: '/v1.41/_ping' })]);

  /** admin may announce a whole body again (the refused request's share is back): held, not refused. */
  const shareIsBack = async (code: keyof typeof refusals, fillers: RawConnection[]): Promise<void> => {
    // Those of the identity-body-budget case hold admin's own share.
    if (code === 'identity-body-budget') for (const f of fillers) f.close();
    await new Promise((r) => setTimeout(r, 300));
    const probe = await holding('admin', 0);
    try {
      await unanswered(probe);
    } finally {
      probe.close();
    }
  };

  it.each(Object.keys(refusals) as (keyof typeof refusals)[])('%s behind a wait on a running container: the wait answers whole when the container stops, then the refusal and the close; nothing behind is read', async (code) => {
    const { status, decision, fill, decidedAfterMs } = refusals[code];
    const name = await catContainer(`dgt-raw-wait-then-${code}`);
    const fillers = await fill();
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    try {
      conn.write(Buffer.concat([httpRequest({ method: 'POST', target: `/v1.41/containers/${name}/wait`, headers: [['Content-Length', '0']] }), refused]));
      await new Promise((r) => setTimeout(r, decidedAfterMs));
      // Decided, and held back: the connection is open and still waits for the wait's answer.
      expect(conn.isClosed).toBe(false);
      conn.write(behind);
      await shareIsBack(code, fillers);
      expect(conn.isClosed).toBe(false);
      expect((await dockerDirect(socket, ['kill', name])).code).toBe(0);
      const waited = await conn.response();
      expect(waited.status).toBe(200);
      expect(JSON.parse(waited.text)).toMatchObject({ StatusCode: 137 });
      const r = await conn.response();
      expect(r.status).toBe(status);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      expect(r.headers['x-dockgate-request-id']).toMatch(/.+/);
      await closedByServer(conn);
      expect(conn.takeBuffered().toString('latin1')).toBe('');
      const got = await until(() => records(conn).length >= 2 && records(conn), 10_000, 'two records');
      await new Promise((r) => setTimeout(r, 300));
      // The ping written after the refusal was never read: no record of it.
      expect(records(conn).map(summary)).toEqual([
        [`/containers/${name}/wait`, 'allow', 200, 'allowed by rule "everyone"'],
        ['/containers/create', decision, status, code],
      ]);
      expect(got[1]).toMatchObject({ bytesOut: expect.any(Number) as unknown });
      expect(got[1]?.bytesOut).toBeGreaterThan(0);
    } finally {
      conn.close();
      for (const f of fillers) f.close();
    }
  });

  it.each(['identity-body-budget', 'body-budget'] as const)('%s behind an allowed create in the same write: the 201 reaches the client, then the refusal and the close', async (code) => {
    const { status, decision, fill } = refusals[code];
    const name = `dgt-raw-create-then-${code}`;
    const fillers = await fill();
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    try {
      conn.write(Buffer.concat([jsonRequest('POST', createTarget(name), createBody()), refused]));
      expect((await conn.response()).status).toBe(201);
      const r = await conn.response();
      expect(r.status).toBe(status);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      await closedByServer(conn);
      const got = await until(() => records(conn).length >= 2 && records(conn), 10_000, 'two records');
      expect(got.map(summary)).toEqual([
        ['/containers/create', 'allow', 201, 'allowed by rule "everyone"'],
        ['/containers/create', decision, status, code],
      ]);
    } finally {
      conn.close();
      for (const f of fillers) f.close();
    }
    expect((await inspect(name)).exists).toBe(true);
  });

  /** A running container whose log holds 3 MB (and a newline), and dockerd's own answer to `logs` of it. */
  const bigLog = async (name: string): Promise<{ target: string; body: Buffer }> => {
    expect((await dockerDirect(socket, ['run', '-d', '--label', `${LABEL}=1`, '--name', name, 'busybox', 'sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" a; echo; sleep 3600'])).code).toBe(0);
    const target = `/v1.41/containers/${name}/logs?stdout=1`;
    // Each 16 KiB of output is a frame with an 8-byte header.
    const direct = await until(async () => {
      const r = await rawExchangeUnix(socket, httpRequest({ method: 'GET', target }));
      return r.body.length > 3_000_000 && r;
    }, 15_000, 'the whole log');
    return { target, body: direct.body };
  };
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  /** `conn`, not read by its client for `ms` (its bytes pile up in the kernel's buffers), then read again; the error it ended with, if any. */
  const readLate = async (conn: RawConnection, ms: number): Promise<() => string | undefined> => {
    let error: string | undefined;
    conn.socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    conn.socket.pause();
    await new Promise((r) => setTimeout(r, ms));
    conn.socket.resume();
    return () => error;
  };

  // Closing with the rest of the refused body unread sent a reset, and the client's kernel threw
  // away what it had not read yet: most of the 3 MB and the refusal, recorded as sent whole.
  it.each(['identity-body-budget', 'body-budget'] as const)('%s behind a 3 MB logs answer, 200 000 body bytes behind it, read late: the whole answer, the refusal, then the end without a reset', async (code) => {
    const { status, decision, fill } = refusals[code];
    const log = await bigLog(`dgt-raw-biglog-then-${code}`);
    const fillers = await fill();
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    try {
      const rest = Buffer.concat([Buffer.from(`${(200_000).toString(16)}\r\n`), Buffer.alloc(200_000, 0x20), Buffer.from('\r\n0\r\n\r\n')]);
      conn.write(Buffer.concat([httpRequest({ method: 'GET', target: log.target }), refused, rest]));
      const error = await readLate(conn, 1500);
      const logs = await conn.response();
      expect(logs.status).toBe(200);
      expect(logs.body.length).toBe(log.body.length);
      expect(sha(logs.body)).toBe(sha(log.body));
      const r = await conn.response();
      expect(r.status).toBe(status);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      await closedByServer(conn);
      expect(error()).toBeUndefined();
      expect(conn.takeBuffered().toString('latin1')).toBe('');
      const got = await until(() => records(conn).length >= 2 && records(conn), 10_000, 'two records');
      expect(got.map(summary)).toEqual([
        [log.target.split('?')[0]?.replace('/v1.41', ''), 'allow', 200, 'allowed by rule "everyone"'],
        ['/containers/create', decision, status, code],
      ]);
    } finally {
      conn.close();
      for (const f of fillers) f.close();
    }
  });

  it('bad-host (a create without Host, 200 000 body bytes) behind a 3 MB logs answer, read late: the whole answer, the 400, then the end without a reset', async () => {
    const log = await bigLog('dgt-raw-biglog-then-bad-host');
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    try {
      const noHost = Buffer.concat([Buffer.from('POST /v1.41/containers/create HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n'), Buffer.alloc(200_000, 0x20)]);
      conn.write(Buffer.concat([httpRequest({ method: 'GET', target: log.target }), noHost]));
      const error = await readLate(conn, 1500);
      const logs = await conn.response();
      expect(logs.status).toBe(200);
      expect(sha(logs.body)).toBe(sha(log.body));
      const r = await conn.response();
      expect(r.status).toBe(400);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      await closedByServer(conn);
      expect(error()).toBeUndefined();
      expect(conn.takeBuffered().toString('latin1')).toBe('');
    } finally {
      conn.close();
    }
  });

  it('identity-body-budget behind a wait: a client that leaves (FIN) meanwhile is found at once; the refusal was not sent, status 0', async () => {
    const { fill } = refusals['identity-body-budget'];
    const name = await catContainer('dgt-raw-wait-then-leave');
    const fillers = await fill();
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    try {
      conn.write(Buffer.concat([httpRequest({ method: 'POST', target: `/v1.41/containers/${name}/wait`, headers: [['Content-Length', '0']] }), refused]));
      await new Promise((r) => setTimeout(r, 300));
      expect(conn.isClosed).toBe(false);
      // Our FIN (TLS close_notify, then TCP's), reading on.
      (conn.socket as unknown as { end(): void }).end();
      await closedByServer(conn);
      const got = await until(() => records(conn).length >= 2 && records(conn), 5_000, 'two records');
      expect(got.map(summary).sort()).toEqual([
        // dockerd sends a wait's head at once: the client left during the answer.
        [`/containers/${name}/wait`, 'allow', 200, 'allowed by rule "everyone"'],
        ['/containers/create', 'malformed', 0, 'identity-body-budget'],
      ].sort());
    } finally {
      conn.close();
      for (const f of fillers) f.close();
    }
  });

  it.each(Object.keys(refusals) as (keyof typeof refusals)[])('%s behind a live events stream: the stream runs on, the share is back, nothing behind is read; status 0 once the connection ends', async (code) => {
    const { decision, fill, decidedAfterMs } = refusals[code];
    const mark = `dgt-raw-events-then-${code}`;
    const fillers = await fill();
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    let seen = '';
    try {
      conn.write(Buffer.concat([httpRequest({ method: 'GET', target: `/v1.41/events?filters=${encodeURIComponent(JSON.stringify({ container: [mark] }))}` }), refused]));
      await new Promise((r) => setTimeout(r, decidedAfterMs));
      conn.write(behind);
      await shareIsBack(code, fillers);
      // An event made after the refusal still reaches the client: the stream runs on.
      expect((await dockerDirect(socket, ['create', '--label', `${LABEL}=1`, '--name', mark, 'busybox', 'true'])).code).toBe(0);
      await until(() => (seen += conn.takeBuffered().toString('latin1')).includes(mark), 10_000, 'the event of the marker container');
      expect(seen).toMatch(/^HTTP\/1\.1 200 /);
      expect(seen).not.toMatch(/HTTP\/1\.1 [45]\d\d/);
      expect(conn.isClosed).toBe(false);
    } finally {
      conn.close();
      for (const f of fillers) f.close();
    }
    // The gateway reads nothing more from the connection: it finds the client gone when it next
    // writes to it (the stream's next events), and then writes both records.
    let exists = true;
    const got = await until(async () => {
      exists = (await dockerDirect(socket, exists ? ['rm', mark] : ['create', '--label', `${LABEL}=1`, '--name', mark, 'busybox', 'true'])).code === 0 ? !exists : exists;
      return records(conn).length >= 2 && records(conn);
    }, 15_000, 'two records');
    await new Promise((r) => setTimeout(r, 300));
    expect(records(conn).map(summary).sort()).toEqual([
      ['/events', 'allow', 200, 'allowed by rule "everyone"'],
      ['/containers/create', decision, 0, code],
    ].sort());
    expect(got.find((x) => x.path === '/events')).toMatchObject({ stream: true });
  });
});
