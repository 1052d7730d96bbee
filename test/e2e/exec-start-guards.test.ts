/**
 * The exec guards at exec start (rev-hijack finding 1): an exec instance another identity created
 * (here on the daemon's socket, as an admin or automation would) and left pending is listed in
 * its container's `ExecIDs`; a caller whose rule sets `execRoot: false` / `privileged: false`
 * must not run it as root or privileged by starting it. Real dockerd, real TLS, curl and both CLIs;
 * with and without tenancy.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-exec-start';
const CLI20 = '/usr/bin/docker';
const CLIS = ['docker', ...(existsSync(CLI20) || process.env.CI === 'true' ? [CLI20] : [])];
let pki: TestPki;
let gw: TestGateway;
let shared: TestGateway;
let staging: TestGateway;

const GUARDS = 'guards: { privileged: false, hostNamespaces: false, binds: false, volumesFrom: false, capabilities: false, devices: false, execRoot: false }';
const POLICY = `version: 1
rules:
  - name: ops
    who: { groups: [ops] }
    allow: all
  - name: devs
    who: { groups: [dev] }
    allow: [power:read, ContainerCreate, ContainerStart, ContainerWait, ContainerDelete, ContainerExec, ExecStart, ExecResize]
    ${GUARDS}
`;
// A change staged as docs/policy.md says: a rule in audit mode before the rule in force.
const STAGED = POLICY.replace('  - name: devs\n', `  - name: stage-no-exec-start
    who: { groups: [dev] }
    mode: audit
    deny: [ExecStart]
  - name: devs
`);
const TENANCY = `${POLICY}tenancy:
  admins: { groups: [ops] }
  teams: [dev]
  unowned: [images]
`;

beforeAll(async () => {
  pki = await makePki({ bob: ['dev'], root1: ['ops'] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  const tenancyFile = join(pki.dir, 'tenancy.yaml');
  writeFileSync(tenancyFile, TENANCY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  shared = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${tenancyFile}\n`));
  const stagedFile = join(pki.dir, 'staged.yaml');
  writeFileSync(stagedFile, STAGED);
  staging = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${stagedFile}\n`));
  for (const args of [
    ['run', '-d', '--label', LABEL, '-u', 'nobody', '--name', 'dgt-es-nobody', 'busybox', 'sleep', '600'],
    ['run', '-d', '--label', LABEL, '-u', 'root', '--name', 'dgt-es-root', 'busybox', 'sleep', '600'],
  ]) {
    const r = await dockerDirect(socket, args);
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  for (const filter of [`label=${LABEL}`, 'label=dockgate.owner']) await removeContainers(socket, filter);
  await gw?.stop();
  await shared?.stop();
  await staging?.stop();
});

/** An exec created on the daemon's socket (not through the gateway), left pending. */
async function createOnSocket(container: string, body: Record<string, unknown>): Promise<string> {
  const r = await run('curl', ['-s', '--unix-socket', socket, '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify({ AttachStdout: true, AttachStderr: true, ...body }), `http://docker/containers/${container}/exec`]);
  const id = (JSON.parse(r.stdout) as { Id?: string }).Id;
  if (!id) throw new Error(`exec create failed: ${r.stdout}`);
  return id;
}

/** What dockerd says of an exec: running, its exit code and pid. */
async function execState(id: string): Promise<{ Running: boolean; ExitCode: number | null; Pid: number }> {
  const r = await run('curl', ['-s', '--unix-socket', socket, `http://docker/exec/${id}/json`]);
  return JSON.parse(r.stdout) as { Running: boolean; ExitCode: number | null; Pid: number };
}

/** `POST /exec/{id}/start` as `who` over TLS with curl: `upgrade` asks for the hijacked stream as the CLIs do. */
async function startAs(who: string, port: number, id: string, upgrade: boolean): Promise<{ status: string; body: string }> {
  const b = pki.bundle(who);
  const headers = upgrade ? ['-H', 'Connection: Upgrade', '-H', 'Upgrade: tcp'] : [];
  const r = await run('curl', ['-s', '--max-time', '15', '-o', '-', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', ...headers, '--data-binary', '{"Detach":false,"Tty":true}', `https://127.0.0.1:${port}/v1.41/exec/${id}/start`]);
  const cut = r.stdout.lastIndexOf('\n');
  return { status: r.stdout.slice(cut + 1), body: r.stdout.slice(0, cut) };
}

/** The last audit record of `op` naming `id` (a session's is written when it ends: waited for). */
async function recordOf(g: TestGateway, op: string, id: string): Promise<Record<string, unknown> | undefined> {
  let line: string | undefined;
  for (let i = 0; i < 50 && !line; i++) {
    line = g.stdout().split('\n').filter((l) => l.includes(`"${op}"`) && l.includes(id)).at(-1);
    if (!line) await new Promise((r) => setTimeout(r, 100));
  }
  return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
}

describe('without tenancy: another identity\'s pending exec is judged by the starter\'s exec guards', () => {
  it.each([
    ['User "0"', { Cmd: ['id'], User: '0' }, 'exec-root', /User \\"0\\" runs the exec session as root/],
    ['User "root:root"', { Cmd: ['id'], User: 'root:root' }, 'exec-root', /runs the exec session as root/],
    ['User "nobody:0"', { Cmd: ['id'], User: 'nobody:0' }, 'exec-root', /in group root/],
    ['Privileged', { Cmd: ['id'], Privileged: true }, 'privileged', /Privileged is not allowed/],
  ])('%s, started by bob with curl (upgrade and plain): 403, and the exec never ran', async (_name, body, code, reason) => {
    const id = await createOnSocket('dgt-es-nobody', body);
    for (const upgrade of [true, false]) {
      const r = await startAs('bob', gw.port, id, upgrade);
      expect(r.status).toBe('403');
      expect(r.body).toMatch(reason);
      expect(r.body).not.toContain('uid=0');
      expect(r.body).toContain('(rule \\"devs\\")');
    }
    expect(await execState(id)).toMatchObject({ Running: false, ExitCode: null, Pid: 0 });
    expect(await recordOf(gw, 'ExecStart', id)).toMatchObject({ decision: 'deny', rule: 'devs', code, status: 403 });
    expect(String((await recordOf(gw, 'ExecStart', id))?.reason)).toContain(`the exec instance it starts (${id.slice(0, 12)}`);
  });

  it('the same exec started by an admin runs (the check is the starter\'s rule\'s)', async () => {
    const id = await createOnSocket('dgt-es-nobody', { Cmd: ['id', '-u'], User: '0' });
    const r = await startAs('root1', gw.port, id, true);
    expect(r.status).toBe('101');
    expect(r.body).toContain('0');
    expect((await execState(id)).ExitCode).toBe(0);
  });

  it('a pending exec without a user (the container\'s own, nobody) started by bob runs', async () => {
    const id = await createOnSocket('dgt-es-nobody', { Cmd: ['id', '-u'] });
    const r = await startAs('bob', gw.port, id, true);
    expect([r.status, r.body.trim()]).toEqual(['101', '65534']);
    expect(String((await recordOf(gw, 'ExecStart', id))?.reason)).toContain('passed the exec guards');
  });

  it('an exec ID the daemon does not know: its 404, nothing forwarded; a prefix of a real one too', async () => {
    const id = await createOnSocket('dgt-es-nobody', { Cmd: ['id'], User: '0' });
    for (const name of ['0'.repeat(64), id.slice(0, 12)]) {
      const r = await startAs('bob', gw.port, name, false);
      expect(r.status).toBe('404');
      expect(r.body).toContain('No such exec instance');
    }
    expect(await execState(id)).toMatchObject({ Running: false, ExitCode: null, Pid: 0 });
  });

  it.each(CLIS)('%s: bob\'s own docker exec still works, in a container of user nobody and in one of user root', async (cli) => {
    const own = await docker(pki.bundle('bob'), gw.port, ['exec', 'dgt-es-nobody', 'id', '-u'], { cli });
    expect([own.code, own.stdout.trim()], own.stderr).toEqual([0, '65534']);
    // dockerd stores the container's user ("root") for an exec created without one: that is the container's own, allowed.
    const root = await docker(pki.bundle('bob'), gw.port, ['exec', 'dgt-es-root', 'id', '-u'], { cli });
    expect([root.code, root.stdout.trim()], root.stderr).toEqual([0, '0']);
    const refused = await docker(pki.bundle('bob'), gw.port, ['exec', '-u', '0', 'dgt-es-nobody', 'id'], { cli });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('runs the exec session as root');
  });
});

describe('with tenancy: an admin\'s root exec on a tenant\'s container', () => {
  it('bob (the owner) cannot start it; his own docker exec works; the admin can start it', async () => {
    const made = await docker(pki.bundle('bob'), shared.port, ['run', '-d', '-u', 'nobody', '--name', 'dgt-es-tenant', 'busybox', 'sleep', '600']);
    expect(made.code, made.stderr).toBe(0);
    const id = await createOnSocket('dgt-es-tenant', { Cmd: ['id', '-u'], User: 'root' });
    // bob sees it: his container's ExecIDs.
    const seen = await docker(pki.bundle('bob'), shared.port, ['inspect', '--format', '{{json .ExecIDs}}', 'dgt-es-tenant']);
    expect(seen.stdout).toContain(id);
    const r = await startAs('bob', shared.port, id, true);
    expect(r.status).toBe('403');
    expect(r.body).toContain('User \\"root\\" runs the exec session as root');
    expect(await execState(id)).toMatchObject({ Running: false, ExitCode: null, Pid: 0 });
    expect(await recordOf(shared, 'ExecStart', id)).toMatchObject({ decision: 'deny', rule: 'devs', code: 'exec-root', status: 403 });
    const own = await docker(pki.bundle('bob'), shared.port, ['exec', 'dgt-es-tenant', 'id', '-u']);
    expect([own.code, own.stdout.trim()], own.stderr).toEqual([0, '65534']);
    const admin = await startAs('root1', shared.port, id, true);
    expect(admin.status).toBe('101');
  });
});

describe('with a rule in audit mode before the rule in force (rev-interplay F1)', () => {
  it('the exec guards\' refusal is the enforced rule\'s: message, record and metrics name it, not the audit-mode rule', async () => {
    expect(STAGED).toContain('stage-no-exec-start');
    const id = await createOnSocket('dgt-es-nobody', { Cmd: ['id'], User: '0' });
    const r = await startAs('bob', staging.port, id, true);
    expect(r.status).toBe('403');
    expect(r.body).toMatch(/User \\"0\\" runs the exec session as root \(rule \\"devs\\"\)/);
    expect(r.body).not.toContain('stage-no-exec-start');
    expect(await execState(id)).toMatchObject({ Running: false, ExitCode: null, Pid: 0 });
    expect(await recordOf(staging, 'ExecStart', id)).toMatchObject({ decision: 'deny', rule: 'devs', code: 'exec-root', status: 403 });
    const metrics = await (await fetch(`http://127.0.0.1:${staging.adminPort}/metrics`)).text();
    expect(metrics).toContain('dockgate_denials_total{rule="devs",code="exec-root",decision="deny"} 1');
    expect(metrics).not.toContain('dockgate_denials_total{rule="stage-no-exec-start",code="exec-root"');
  });

  it('an exec the guards let through is forwarded and recorded would-deny under the audit-mode rule', async () => {
    const id = await createOnSocket('dgt-es-nobody', { Cmd: ['id', '-u'] });
    const r = await startAs('bob', staging.port, id, true);
    expect([r.status, r.body.trim()]).toEqual(['101', '65534']);
    const record = await recordOf(staging, 'ExecStart', id);
    expect(record).toMatchObject({ decision: 'would-deny', rule: 'stage-no-exec-start', code: 'rule-deny' });
    expect(String(record?.reason)).toMatch(/^denied by policy; the exec instance it starts \(.*\) passed the exec guards$/);
  });
});
