/**
 * The audit file end to end: a scripted sequence of allowed, denied and malformed calls (the
 * real docker CLI and raw requests) leaves exactly one well-formed JSON line per call with the
 * right fields; registry credentials and Env values appear nowhere; control characters in a
 * container name cannot forge a record; logrotate's `mv` + SIGUSR1 loses nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { tlsRequest, type TlsResponse } from './support/tls-request.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
const NAME = 'audit-e2e-env';
/** The built-in default policy's version: the first 12 hex digits of its file's SHA-256. */
const DEFAULT_POLICY_VERSION = createHash('sha256').update(readFileSync(new URL('../../config/policies/default.yaml', import.meta.url))).digest('hex').slice(0, 12);
// Secrets the test sends; none may appear in the audit file (or the operational log).
const ENV_SECRET = 's3cr3t-value';
const RAW_ENV_SECRET = 's3cr3t-raw-env-9d2f';
const REGISTRY_PASSWORD = 'hunter2-registry-pw-71c';
const REGISTRY_AUTH_B64 = Buffer.from(`reguser:${REGISTRY_PASSWORD}`).toString('base64');
const RAW_REGISTRY_AUTH = Buffer.from(JSON.stringify({ username: 'rawuser', password: 'raw-registry-pw-5e1', serveraddress: '127.0.0.1:1' })).toString('base64url');
const RAW_REGISTRY_CONFIG = Buffer.from(JSON.stringify({ '127.0.0.1:1': { username: 'cfguser', password: 'raw-config-pw-a77' } })).toString('base64url');
const SECRETS = [ENV_SECRET, RAW_ENV_SECRET, REGISTRY_PASSWORD, REGISTRY_AUTH_B64, RAW_REGISTRY_AUTH, RAW_REGISTRY_CONFIG, 'raw-registry-pw-5e1', 'raw-config-pw-a77', 's3cr3t-dup', 's3cr3t-trail'];

let pki: TestPki;
let gw: TestGateway;
let dir: string;
let auditFile: string;

/** A parsed audit line (the fields these tests look at). */
interface Rec {
  type: string;
  requestId: string;
  time: string;
  client: string;
  method: string;
  path: string;
  operation: string;
  decision: string;
  rule?: string;
  code?: string;
  policyVersion?: string;
  reason?: string;
  status: number;
  bytesIn: number;
  stream?: boolean;
  identity?: { cn: string; groups: string[]; fingerprint: string; serial: string; issuer: string };
  fields?: Record<string, unknown>;
}

/** Every line of `file` parsed as JSON; a line that does not parse fails the test. */
function readAudit(file: string): Rec[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  if (text === '') return [];
  expect(text.endsWith('\n'), `${file} ends with a newline`).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      try {
        return JSON.parse(line) as Rec;
      } catch {
        throw new Error(`${file} line ${i + 1} is not JSON: ${JSON.stringify(line)}`);
      }
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until the audit files together hold `n` records, then a little longer to catch extras. */
async function waitForRecords(files: string[], n: number): Promise<Rec[]> {
  const until = Date.now() + 15_000;
  const all = () => files.flatMap((f) => readAudit(f));
  while (all().length < n && Date.now() < until) await sleep(100);
  await sleep(300);
  return all();
}

/** The request id the gateway gave a raw request. */
function idOf(res: TlsResponse): string {
  const id = res.headers['x-dockgate-request-id'];
  if (typeof id !== 'string') throw new Error(`no request id (status ${res.status}: ${res.body})`);
  return id;
}

beforeAll(async () => {
  pki = await makePki({ admin: ['ops'], bob: ['dev'] });
  dir = scratchDir('audit-');
  auditFile = join(dir, 'logs', 'audit.log');
  gw = await startGateway(pki.dir, configYaml(pki, socket, `audit: { file: ${auditFile} }\n`));
});

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', NAME]);
  await gw?.stop();
});

describe('audit file', () => {
  // Filled by the scripted sequence, checked by the tests below (they run in order).
  let records: Rec[] = [];
  const rawIds = new Map<string, string>();

  it('holds exactly one record per call of a scripted sequence, with the right fields', async () => {
    const admin = pki.bundle('admin');
    const bob = pki.bundle('bob');
    expect(statSync(auditFile).mode & 0o777).toBe(0o600);

    // 1. admin lists containers (the CLI pings first).
    expect((await docker(admin, gw.port, ['ps'])).code).toBe(0);
    // 2. bob (read-only by the default policy) tries to run: denied at create.
    const denied = await docker(bob, gw.port, ['run', '--rm', 'busybox', 'true']);
    expect(denied.code).not.toBe(0);
    // 3. admin runs with a secret in the environment.
    const ran = await docker(admin, gw.port, ['run', '--name', NAME, '-e', `SECRET_TOKEN=${ENV_SECRET}`, 'busybox', 'sh', '-c', 'echo "len=${#SECRET_TOKEN}"']);
    expect(ran.stderr).toBe('');
    // The value reached the container (the command itself must not name it: commands are logged).
    expect(ran.stdout.trim()).toBe(`len=${ENV_SECRET.length}`);
    // 4. admin pulls from a "logged-in" registry (nothing listens on 127.0.0.1:1): the CLI sends X-Registry-Auth.
    const dockerConfig = join(dir, 'docker-config');
    mkdirSync(dockerConfig);
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { '127.0.0.1:1': { auth: REGISTRY_AUTH_B64 } } }));
    const pull = await docker(admin, gw.port, ['pull', '127.0.0.1:1/secret/app:v1'], { env: { ...process.env, DOCKER_CONFIG: dockerConfig } });
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/127\.0\.0\.1:1/);

    // 5. Raw calls: registry headers, Env secrets, forged names, malformed bodies.
    const raw = async (label: string, bundle: string, opts: Parameters<typeof tlsRequest>[2], status: number) => {
      const res = await tlsRequest(bundle, gw.port, opts);
      expect(res.status, `${label}: ${res.body}`).toBe(status);
      rawIds.set(label, idOf(res));
    };
    const json = { 'Content-Type': 'application/json' };
    await raw('pull-raw-auth', admin, { method: 'POST', path: '/v1.41/images/create?fromImage=127.0.0.1%3A1%2Fraw%2Fapp&tag=v2', headers: { 'X-Registry-Auth': RAW_REGISTRY_AUTH, 'X-Registry-Config': RAW_REGISTRY_CONFIG } }, 500);
    await raw('create-denied-env', bob, { method: 'POST', path: '/v1.41/containers/create', headers: json, body: JSON.stringify({ Image: 'busybox', Env: [`SECRET_TOKEN=${RAW_ENV_SECRET}`, 'PLAIN=1'] }) }, 403);
    await raw('create-newline-name', admin, { method: 'POST', path: '/v1.41/containers/create?name=a%0Ab', headers: json, body: JSON.stringify({ Image: 'busybox', Env: [`SECRET_TOKEN=${RAW_ENV_SECRET}`] }) }, 400);
    const forged = 'x\n{"type":"decision","decision":"allow","operation":"forged"}\r\u2028\u001b[2J';
    await raw('create-forged-name', admin, { method: 'POST', path: `/v1.41/containers/create?name=${encodeURIComponent(forged)}`, headers: json, body: JSON.stringify({ Image: 'busybox' }) }, 400);
    await raw('create-duplicate-env', admin, { method: 'POST', path: '/v1.41/containers/create', headers: json, body: `{"Image":"busybox","Env":["SECRET_TOKEN=s3cr3t-dup"],"env":["SECRET_TOKEN=s3cr3t-dup"]}` }, 400);
    await raw('create-trailing', admin, { method: 'POST', path: '/v1.41/containers/create', headers: json, body: `{"Image":"busybox","Env":["A=s3cr3t-trail"]} s3cr3t-trail` }, 400);
    await raw('inspect-unknown', bob, { path: '/v1.41/containers/no-such-container-e2e/json' }, 404);

    const cli = [
      // docker ps
      ['SystemPingHead', 'allow', 'admin', 200],
      ['ContainerList', 'allow', 'admin', 200],
      // bob's docker run
      ['SystemPingHead', 'allow', 'bob', 200],
      ['ContainerCreate', 'deny', 'bob', 403],
      // admin's docker run (attach, wait and start in the order they finish)
      ['SystemPingHead', 'allow', 'admin', 200],
      ['ContainerCreate', 'allow', 'admin', 201],
      ['ContainerAttach', 'allow', 'admin', 101],
      ['ContainerWait', 'allow', 'admin', 200],
      ['ContainerStart', 'allow', 'admin', 204],
      // docker pull
      ['SystemPingHead', 'allow', 'admin', 200],
      ['ImageCreate', 'allow', 'admin', 500],
    ];
    records = await waitForRecords([auditFile], cli.length + rawIds.size);
    expect(records).toHaveLength(cli.length + rawIds.size);

    const byId = new Map(records.map((r) => [r.requestId, r]));
    expect(byId.size, 'request ids are unique').toBe(records.length);
    const rawRecords = new Set([...rawIds.values()].map((id) => byId.get(id)));
    const cliRecords = records.filter((r) => !rawRecords.has(r));
    const key = (r: Rec) => [r.operation, r.decision, r.identity?.cn, r.status];
    // The CLI's run finishes attach/wait/start concurrently: compare each command's calls as sets.
    const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sorted(cliRecords.map(key))).toEqual(sorted(cli));

    for (const r of records) {
      expect(r.type).toBe('decision');
      expect(r.client).toMatch(/^127\.0\.0\.1:\d+$|^\?:\?$/);
      expect(Number.isNaN(Date.parse(r.time))).toBe(false);
      expect(r.identity?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(r.identity?.groups).toEqual(r.identity?.cn === 'admin' ? ['ops'] : ['dev']);
      if (r.decision === 'allow') expect(r.rule).toBe(r.identity?.cn === 'admin' ? 'admin-anything' : 'everyone-read-only');
      if (r.decision === 'deny') expect([r.rule, r.code]).toEqual(['default', 'no-rule']);
      // Every decision names the policy that made it (the built-in default here); a request
      // refused before the policy saw it names none.
      expect(r.policyVersion).toBe(r.decision === 'malformed' ? undefined : DEFAULT_POLICY_VERSION);
    }

    const create = cliRecords.find((r) => r.operation === 'ContainerCreate' && r.decision === 'allow');
    expect(create?.fields).toMatchObject({ name: NAME, image: 'busybox', envNames: ['SECRET_TOKEN'] });
    expect(create?.path).toBe('/containers/create');
    const pullRec = cliRecords.find((r) => r.operation === 'ImageCreate');
    expect(pullRec?.fields).toMatchObject({ fromImage: '127.0.0.1:1/secret/app', tag: 'v1' });

    const rec = (label: string): Rec => byId.get(rawIds.get(label) ?? '') as Rec;
    expect(rec('pull-raw-auth')).toMatchObject({ operation: 'ImageCreate', decision: 'allow', status: 500, identity: { cn: 'admin' }, fields: { fromImage: '127.0.0.1:1/raw/app', tag: 'v2' } });
    expect(rec('create-denied-env')).toMatchObject({ operation: 'ContainerCreate', decision: 'deny', rule: 'default', code: 'no-rule', status: 403, identity: { cn: 'bob' }, fields: { envNames: ['SECRET_TOKEN', 'PLAIN'] } });
    expect(rec('create-newline-name')).toMatchObject({ operation: 'ContainerCreate', decision: 'allow', status: 400, fields: { name: 'a\nb', envNames: ['SECRET_TOKEN'] } });
    expect(rec('create-forged-name')).toMatchObject({ operation: 'ContainerCreate', decision: 'allow', status: 400, fields: { name: forged } });
    // Refused before the policy: no operation is derived, the path is the raw one, the reason
    // names the problem (key names and offsets only, never values).
    expect(rec('create-duplicate-env')).toMatchObject({ operation: 'ContainerCreate', decision: 'malformed', status: 400, path: '/containers/create', apiVersion: '1.41', identity: { cn: 'admin' } });
    expect(rec('create-duplicate-env').reason).toMatch(/^ambiguous-json: /);
    expect(rec('create-trailing')).toMatchObject({ decision: 'malformed', status: 400 });
    expect(rec('create-trailing').reason).toMatch(/^trailing-json: /);
    expect(rec('inspect-unknown')).toMatchObject({ operation: 'ContainerInspect', decision: 'allow', rule: 'everyone-read-only', status: 404, identity: { cn: 'bob' }, path: '/containers/no-such-container-e2e/json' });
    // The daemon refused both names: no such container exists.
    const names = await dockerDirect(socket, ['ps', '-a', '--format', '{{.Names}}']);
    expect(names.stdout.split('\n')).not.toContain('a\nb');
  });

  // The address is taken when the request arrives: a hijacked or refused-and-closed
  // connection is destroyed by the time the record is written.
  it('names the client address in every record, hijacks and closed connections included', () => {
    expect(records.filter((r) => !/^127\.0\.0\.1:\d+$/.test(r.client)).map((r) => `${r.operation} ${r.client}`)).toEqual([]);
  });

  // A body that arrives in the same read as the headers still counts.
  it('counts the request body in bytesIn even when it arrives with the headers', () => {
    const raw = [...rawIds.entries()].filter(([label]) => label.startsWith('create-'));
    expect(raw.length).toBeGreaterThan(0);
    const byId = new Map(records.map((r) => [r.requestId, r]));
    for (const [label, id] of raw) expect(byId.get(id)?.bytesIn, label).toBeGreaterThan(0);
  });

  it('never writes registry credentials or Env values, in the audit file or the operational log', () => {
    const text = readFileSync(auditFile, 'utf8');
    for (const secret of SECRETS) {
      expect(text.includes(secret), `audit log contains ${secret}`).toBe(false);
      expect(gw.stderr().includes(secret), `operational log contains ${secret}`).toBe(false);
    }
    expect(text.toLowerCase()).not.toContain('x-registry');
    expect(text).not.toContain('reguser');
    expect(text).not.toContain('rawuser');
  });

  it('keeps control characters of a forged name inside its own record', () => {
    const text = readFileSync(auditFile, 'utf8');
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(records.length);
    // The raw bytes never appear: newline only as the record separator, no CR, ESC, U+2028.
    expect(text.split('\n').length - 1).toBe(records.length);
    for (const ch of ['\r', '\u001b', '\u2028', '\u2029']) expect(text.includes(ch), JSON.stringify(ch)).toBe(false);
    expect(records.filter((r) => r.operation === 'forged')).toEqual([]);
    expect(lines.filter((l) => l.startsWith('{"type":"decision","decision":"allow"'))).toEqual([]);
  });

  it('starts a new file after mv + SIGUSR1 and loses no record across the reopen', async () => {
    const admin = pki.bundle('admin');
    const before = records.length;
    const rotated = `${auditFile}.1`;
    // A burst of calls in flight while logrotate moves the file and signals the gateway.
    const burst: Array<Promise<TlsResponse>> = [];
    for (let i = 0; i < 60; i++) {
      // Every fourth call is bob's create (denied, so no container is made); the rest are pings.
      const denied = i % 4 === 0;
      burst.push(tlsRequest(denied || i % 3 === 0 ? pki.bundle('bob') : admin, gw.port, denied ? { method: 'POST', path: '/v1.41/containers/create', headers: { 'Content-Type': 'application/json' }, body: '{"Image":"busybox"}' } : { path: '/_ping' }));
      if (i === 30) {
        renameSync(auditFile, rotated);
        process.kill(gw.process.pid as number, 'SIGUSR1');
      }
      if (i % 10 === 0) await sleep(20);
    }
    const responses = await Promise.all(burst);
    // Then a CLI call well after the reopen: it must land in the new file.
    await sleep(500);
    expect((await docker(admin, gw.port, ['version', '--format', '{{.Server.APIVersion}}'])).code).toBe(0);
    const ids = responses.map(idOf);
    const total = before + burst.length + 2;

    const all = await waitForRecords([rotated, auditFile], total);
    const oldFile = readAudit(rotated);
    const newFile = readAudit(auditFile);
    expect(oldFile.length).toBeGreaterThanOrEqual(before);
    expect(newFile.length).toBeGreaterThan(0);
    expect(statSync(auditFile).mode & 0o777).toBe(0o600);
    expect(all).toHaveLength(total);
    const seen = new Set(all.map((r) => r.requestId));
    expect(seen.size, 'no duplicates by requestId').toBe(total);
    for (const id of ids) expect(seen.has(id), id).toBe(true);
    expect(newFile.map((r) => r.operation).slice(-2)).toEqual(['SystemPingHead', 'SystemVersion']);
    // Every burst response matches its record.
    const byId = new Map(all.map((r) => [r.requestId, r]));
    responses.forEach((res, i) => expect(byId.get(ids[i] as string)?.status, `burst ${i}`).toBe(res.status));
  });

  it('a destination that refuses writes (/dev/full): readiness fails after 5 s, /metrics shows the held bytes, SIGTERM reports the loss and exits 1', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'audit: { file: /dev/full }\n'));
    const admin = `http://127.0.0.1:${own.adminPort}`;
    try {
      for (let i = 0; i < 3; i++) expect((await tlsRequest(pki.bundle('bob'), own.port, { path: '/_ping' })).status).toBe(200);
      const held = async () => Number(/^dockgate_audit_backlog_bytes (\d+)$/m.exec(await (await fetch(`${admin}/metrics`)).text())?.[1]);
      expect(await held()).toBeGreaterThan(0);
      await sleep(5500);
      const ready = await fetch(`${admin}/readyz`);
      expect(ready.status).toBe(503);
      const checks = ((await ready.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }).checks;
      expect(checks.audit).toEqual({ ok: false, detail: expect.stringMatching(/^the audit destination refuses writes since \S+ \(ENOSPC\); \d+ bytes of records held$/) });
      expect(own.stderr()).toContain('audit log write failed');
    } finally {
      // Before the fix the process exited 0 here, the loss unreported (close's timers did not hold it).
      expect(await own.stop()).toBe(1);
    }
    expect(own.stderr()).toMatch(/audit log closed with 3 records \(\d+ bytes\) unwritten/);
    // The loss is said last, through the operational log (behind the lines before it), as JSON.
    const lines = own.stderr().trim().split('\n');
    const lost = lines.findIndex((l) => l.includes('"audit-records-lost"'));
    expect(lost, own.stderr()).toBeGreaterThan(lines.findIndex((l) => /audit log closed with 3 records/.test(l)));
    expect(JSON.parse(lines[lost] as string)).toMatchObject({ level: 50, event: 'audit-records-lost', lost: expect.any(Number), msg: expect.stringMatching(/^\d+ audit records were lost at shutdown$/) });
  });

  it('refuses to start when the audit file cannot be opened (fail closed, never serve unaudited)', async () => {
    // A path under a regular file: mkdir fails even for root.
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const start = startGateway(pki.dir, configYaml(pki, socket, `audit: { file: ${join(blocker, 'audit.log')} }\n`));
    // A configuration error: exit 2, before anything listens.
    await expect(start).rejects.toThrow(/gateway exited with 2:[\s\S]*cannot open the audit log/);
  });
});
