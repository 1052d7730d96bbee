/**
 * An upgrade (`attach`, `exec` start) refused from its head alone is refused as the same request
 * without the upgrade is, at the same point, over real mutual TLS against a real dockerd:
 *
 * - Its body framing: a Transfer-Encoding other than exactly `chunked` (dockerd: 501 before any
 *   handler, upgrade or not) gets the request path's `body-framing` 400 and message, before the
 *   `Expect` check and the API version gate, as on the request path; a chunked upgrade (dockerd
 *   takes it; the gateway frames an upgrade's body by its Content-Length only) is `body-framing`
 *   too, before the version gate, as a chunked `DELETE` is. Found by the session-31 probe: the
 *   upgrade path refused both later, after the version gate and with the body budget's hold
 *   open, as `bad-framing` "chunked upgrade requests are not accepted".
 * - `Expect: 100-continue` on an upgrade the policy denies whatever its body: refused without a
 *   `100 Continue`, as the request path refuses such a request (denied-before-body.ts); the
 *   upgrade path sent the 100, read the body, then denied it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clientRecords } from './support/audit-records.js';
import { configYaml, dockerDirect, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { chunked, closedByServer, httpRequest, RawConnection, type RawResponse } from './support/raw-tls.js';

const socket = inject('dockerSocket');
const CONTAINER = 'dgt-upgrade-head-cat';
let pki: TestPki;
let gw: TestGateway;

const POLICY = `version: 1
rules:
  - name: alice-anything
    who: { users: [alice] }
    allow: all
  - name: readers
    who: { users: [reader] }
    allow: [power:read]
`;

beforeAll(async () => {
  pki = await makePki({ alice: [], reader: [] });
  const policy = join(pki.dir, 'policy.yaml');
  writeFileSync(policy, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policy}\n`));
  await dockerDirect(socket, ['rm', '-f', CONTAINER]);
  expect((await dockerDirect(socket, ['run', '-d', '-i', '--name', CONTAINER, 'busybox', 'cat'])).code).toBe(0);
});

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', CONTAINER]);
  await gw?.stop();
});

const UPGRADE: [string, string][] = [['Upgrade', 'tcp'], ['Connection', 'Upgrade']];
const ATTACH = `/v1.41/containers/${CONTAINER}/attach?stream=1&stdin=1&stdout=1`;
/** An attach that ends once attached (no stream): dockerd answers 101 and closes. */
const ATTACH_ONCE = `/v1.41/containers/${CONTAINER}/attach?stdout=1`;

/**
 * Send `bytes` as `who` on a fresh connection: its first response and the gateway's record of it;
 * with `closes`, also waits for the gateway to close the connection (a refused upgrade leaves no
 * tunnel behind), failing if it stays open.
 */
async function exchange(who: string, bytes: Buffer, opts: { closes?: boolean } = {}): Promise<{ response: RawResponse; record: Record<string, unknown> }> {
  const conn = await RawConnection.tls(pki.bundle(who), gw.port);
  try {
    conn.write(bytes);
    const response = await conn.response();
    // A 100 Continue (or any other interim answer) first is a failure of its own: say so.
    expect(response.status).toBeGreaterThanOrEqual(200);
    const [record] = await clientRecords(gw, conn.localPort, 1);
    if (opts.closes) await closedByServer(conn);
    return { response, record: record as Record<string, unknown> };
  } finally {
    conn.close();
  }
}

/** What dockerd itself answers to `bytes` on its socket: the status of its first response. */
async function daemonStatus(bytes: Buffer): Promise<number> {
  const conn = await RawConnection.unix(socket);
  try {
    conn.write(bytes);
    return (await conn.response()).status;
  } finally {
    conn.close();
  }
}

/** The status, the reason code of the record and the message of a refusal. */
function refusal(x: { response: RawResponse; record: Record<string, unknown> }): [number, string, string] {
  expect(x.response.headers['content-type']).toBe('application/json');
  return [x.response.status, String(x.record.reason).split(':')[0] as string, (JSON.parse(x.response.text) as { message: string }).message];
}

describe('an upgrade\'s body framing is refused as the request path refuses it, at the same point', () => {
  // The same head with and without the upgrade: the same refusal. dockerd answers both 501
  // ("Unsupported transfer encoding") before reading the Expect header or routing the request.
  it.each<[string, string, string, [string, string][]]>([
    ['on an attach', 'gzip, chunked', ATTACH, []],
    ['on an attach', 'x-custom, chunked', ATTACH, []],
    ['with Expect: foo (dockerd: 501, not 417)', 'gzip, chunked', ATTACH, [['Expect', 'foo']]],
    ['under an API version dockerd does not serve (before the version gate)', 'gzip, chunked', `/v1.99/containers/${CONTAINER}/attach?stream=1&stdin=1`, []],
  ])('Transfer-Encoding %s %j: 400 body-framing, as without the upgrade', async (_label, te, target, extra) => {
    const head = (upgrade: boolean): Buffer => httpRequest({ method: 'POST', target, headers: [...(upgrade ? UPGRADE : []), ...extra, ['Transfer-Encoding', te]], body: chunked('abc\n') });
    const upgraded = await exchange('alice', head(true), { closes: true });
    const plain = await exchange('alice', head(false));
    expect(refusal(upgraded)).toEqual([400, 'body-framing', 'dockgate: refused POST request: Transfer-Encoding must be exactly "chunked" (dockerd takes no other)']);
    expect(refusal(upgraded)).toEqual(refusal(plain));
    expect(upgraded.record).toMatchObject({ decision: 'malformed', status: 400, bytesIn: 0 });
    expect(await daemonStatus(head(true))).toBe(501);
  });

  // dockerd takes a chunked upgrade (101); the gateway frames an upgrade's body by its
  // Content-Length only, and refuses a chunked one as it refuses a chunked DELETE: before the
  // version gate, with the same reason code.
  it.each<[string, string]>([
    ['an attach', ATTACH],
    ['an attach under an API version dockerd does not serve (before the version gate)', `/v1.99/containers/${CONTAINER}/attach?stream=1&stdin=1`],
  ])('a chunked upgrade, %s: 400 body-framing, as a chunked DELETE', async (_label, target) => {
    const upgraded = await exchange('alice', httpRequest({ method: 'POST', target, headers: [...UPGRADE, ['Transfer-Encoding', 'chunked']], body: chunked('abc\n') }), { closes: true });
    expect(refusal(upgraded)).toEqual([400, 'body-framing', 'dockgate: refused POST request: a body on a connection upgrade is forwarded only with a Content-Length, not chunked']);
    const version = target.slice(0, target.indexOf('/containers/'));
    const deleted = await exchange('alice', httpRequest({ method: 'DELETE', target: `${version}/containers/${CONTAINER}`, headers: [['Transfer-Encoding', 'chunked']], body: chunked('x') }));
    expect(refusal(deleted).slice(0, 2)).toEqual(refusal(upgraded).slice(0, 2));
    // The container was neither attached to nor removed.
    expect((await dockerDirect(socket, ['inspect', '--format', '{{.State.Running}}', CONTAINER])).stdout.trim()).toBe('true');
  });

  it('a Content-Length past 2^53 (Node\'s parser takes it): 413 body-too-large on an exec start, with and without the upgrade', async () => {
    const head = (upgrade: boolean): Buffer => httpRequest({ method: 'POST', target: '/v1.41/exec/deadbeefdeadbeef/start', headers: [...(upgrade ? UPGRADE : []), ['Content-Type', 'application/json'], ['Content-Length', '9007199254740993']] });
    const upgraded = await exchange('alice', head(true), { closes: true });
    const plain = await exchange('alice', head(false));
    expect(refusal(upgraded).slice(0, 2)).toEqual([413, 'body-too-large']);
    expect(refusal(upgraded)).toEqual(refusal(plain));
  });
});

describe('an upgrade with Expect: 100-continue the policy denies from its headers gets no 100 Continue', () => {
  it('raw: the 403 is the first answer, without waiting for the body, and the connection is closed', async () => {
    const bytes = httpRequest({ method: 'POST', target: ATTACH, headers: [...UPGRADE, ['Expect', '100-continue'], ['Content-Length', '4']] });
    const denied = await exchange('reader', bytes, { closes: true });
    expect(denied.response.status).toBe(403);
    expect(refusal(denied)[2]).toMatch(/reader/);
    expect(denied.record).toMatchObject({ operation: 'ContainerAttach', decision: 'deny', status: 403, bytesIn: 0 });
    // The same head without the upgrade: the request path's answer, also without a 100.
    const plain = await exchange('reader', httpRequest({ method: 'POST', target: ATTACH, headers: [['Expect', '100-continue'], ['Content-Length', '4']] }));
    expect([plain.response.status, plain.record.decision, plain.record.rule]).toEqual([403, 'deny', denied.record.rule]);
  });

  it('curl: no "100 Continue" before the 403; an allowed identity still gets its 100 and the 101', async () => {
    const curl = (who: string): Promise<{ stdout: string; stderr: string; code: number | null }> => {
      const b = pki.bundle(who);
      // --expect100-timeout: curl waits that long for the 100 before it sends the body anyway.
      return run('curl', ['-sS', '-v', '--max-time', '60', '--expect100-timeout', '30', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
        '-X', 'POST', '-H', 'Upgrade: tcp', '-H', 'Connection: Upgrade', '-H', 'Expect: 100-continue', '-H', 'Content-Type: application/octet-stream', '--data-binary', 'abc\n', `https://127.0.0.1:${gw.port}${ATTACH_ONCE}`]);
    };
    const denied = await curl('reader');
    expect(denied.stdout.trim().split('\n').at(-1)).toBe('403');
    expect(denied.stdout).toMatch(/"message":".*reader/);
    expect(denied.stderr).not.toMatch(/^< HTTP\/1\.1 100/m);
    // Allowed: the body is read (after the 100) and the daemon answers 101, then closes (no stream).
    const allowed = await curl('alice');
    expect(allowed.stderr).toMatch(/^< HTTP\/1\.1 100 Continue/m);
    expect(allowed.stderr).toMatch(/^< HTTP\/1\.1 101 UPGRADED/m);
  });
});
