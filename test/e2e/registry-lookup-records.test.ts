/**
 * The audit records of registry look-ups at an address the caller chooses (rev-redteam F3),
 * with a real gateway, a private dockerd and the real docker CLIs: `docker search
 * 127.0.0.1:<port>/x` and `docker login 127.0.0.1:<port>` make dockerd contact that port (a
 * listener of this test, which closes every connection: dockerd's error is the answer), and
 * the record names it (`fields.term`, `fields.serverAddress`); the login's password appears in
 * no log the gateway writes (audit file, stdout, stderr) nor in the daemon's log, and a
 * password in a search term in none of the gateway's.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const daemonRoot = inject('daemonRoot');
const PASSWORD = 'hunter2-login-pw-3b9e';
const USER = 'login-user-c41';
/** A password sent in a search term (dockerd may quote it in its own log: checked in the gateway's logs only). */
const SEARCH_PASSWORD = 'search-pw-8d0a';

let pki: TestPki;
let gw: TestGateway;
let auditFile: string;
let dockerConfig: string;
let probe: Server;
let probePort: number;
/** Connections the probe listener accepted (dockerd's attempts to reach it). */
let accepted = 0;

/** Every record of the audit file. */
function records(): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(auditFile, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The newest record of `op` once there are more than `before` of them (up to 10 s). */
async function nextRecord(op: string, before: number): Promise<Record<string, unknown>> {
  const mine = () => records().filter((r) => r.operation === op);
  await until(() => mine().length > before, 10_000, `a new ${op} record`);
  return mine().at(-1) as Record<string, unknown>;
}

beforeAll(async () => {
  pki = await makePki({ searcher: ['dev'] });
  const dir = scratchDir('registry-lookups-');
  auditFile = join(dir, 'audit.log');
  dockerConfig = join(dir, 'docker-config');
  mkdirSync(dockerConfig);
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, `version: 1
rules:
  - name: lookups
    who: { users: [searcher] }
    allow: [ImageSearch, SystemAuth, SystemPing, SystemPingHead, SystemVersion, SystemInfo]
`);
  // A port of our own on loopback: dockerd's connections get closed at once.
  probe = createServer((s) => {
    accepted++;
    s.destroy();
  });
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  probePort = (probe.address() as { port: number }).port;
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\naudit: { file: ${auditFile} }\n`));
});

afterAll(async () => {
  await gw?.stop();
  await new Promise((r) => probe?.close(r));
});

const env = () => ({ ...process.env, DOCKER_CONFIG: dockerConfig });

describe('registry look-ups name the address dockerd contacts', () => {
  it.each(DOCKER_CLIS)('docker search 127.0.0.1:<port>/x (CLI %s): the record has the term, and dockerd contacted that port', async (_v, cli) => {
    const before = records().filter((r) => r.operation === 'ImageSearch').length;
    const acceptedBefore = accepted;
    const r = await docker(pki.bundle('searcher'), gw.port, ['search', `127.0.0.1:${probePort}/x`], { cli, env: env() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`127.0.0.1:${probePort}`);
    const rec = await nextRecord('ImageSearch', before);
    expect(rec).toMatchObject({ decision: 'allow', fields: { term: `127.0.0.1:${probePort}/x` } });
    expect(accepted).toBeGreaterThan(acceptedBefore);
  });

  it('a raw search with user:password@ in the term: the record has the host, the password masked', async () => {
    const before = records().filter((r) => r.operation === 'ImageSearch').length;
    const term = `u:${SEARCH_PASSWORD}@127.0.0.1:${probePort}/x`;
    const r = await docker(pki.bundle('searcher'), gw.port, ['search', term], { env: env() });
    expect(r.code).not.toBe(0);
    const rec = await nextRecord('ImageSearch', before);
    expect(rec).toMatchObject({ decision: 'allow', fields: { term: `***@127.0.0.1:${probePort}/x` } });
  });

  it.each(DOCKER_CLIS)('docker login 127.0.0.1:<port> (CLI %s): the record has the server address, never the user or password', async (_v, cli) => {
    const before = records().filter((r) => r.operation === 'SystemAuth').length;
    const acceptedBefore = accepted;
    const r = await docker(pki.bundle('searcher'), gw.port, ['login', `127.0.0.1:${probePort}`, '-u', USER, '--password-stdin'], { cli, env: env(), input: `${PASSWORD}\n` });
    expect(r.code).not.toBe(0);
    const rec = await nextRecord('SystemAuth', before);
    expect(rec).toMatchObject({ decision: 'allow', fields: { serverAddress: `127.0.0.1:${probePort}` } });
    expect(accepted).toBeGreaterThan(acceptedBefore);
  });

  it('the password and user name appear in no log: audit file, gateway stdout and stderr, the daemon log', async () => {
    // The login records are written (previous test); give any late line a moment.
    await new Promise((r) => setTimeout(r, 300));
    const logs: [string, string][] = [
      ['audit file', readFileSync(auditFile, 'utf8')],
      ['gateway stdout', gw.stdout()],
      ['gateway stderr', gw.stderr()],
      ['dockerd log', readFileSync(join(daemonRoot, 'dockerd.log'), 'utf8')],
    ];
    expect(logs[0]?.[1]).toContain('"operation":"SystemAuth"');
    for (const [name, text] of logs) {
      expect(text.includes(PASSWORD), `${name} holds the password`).toBe(false);
      expect(text.includes(USER), `${name} holds the login user`).toBe(false);
      if (name !== 'dockerd log') expect(text.includes(SEARCH_PASSWORD), `${name} holds the search term's password`).toBe(false);
    }
  });
});
