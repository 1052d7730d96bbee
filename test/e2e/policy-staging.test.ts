/**
 * Staging a policy change as docs/policy.md describes it, with the real docker CLI, real TLS and
 * a real private dockerd: a rule in audit mode placed before the rules in force enforces
 * nothing. What the rules in force refuse stays refused (the guards of the enforcing rule after
 * the staged one still run), and what they allow is forwarded, recorded as `would-deny` when the
 * staged rule would refuse it.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-policy-staging';
let pki: TestPki;
let gw: TestGateway;
let alice: string;
let policyFile: string;

const POLICY = `version: 1
rules:
  - name: stage-no-create
    who: { groups: [developers] }
    mode: audit
    deny: [ContainerCreate]
  - name: dev-containers
    who: { groups: [developers] }
    allow: [power:read, ContainerCreate, ContainerStart, ContainerWait, ContainerAttach, ContainerDelete]
    guards: { privileged: false, hostNamespaces: false, binds: false, capabilities: false, devices: false }
`;

/** The audit records (stdout) of ContainerCreate requests, as parsed JSON. */
function createRecords(): { decision: string; rule: string; code: string; status: number }[] {
  return gw
    .stdout()
    .split('\n')
    .filter((l) => l.includes('"operation":"ContainerCreate"'))
    .map((l) => JSON.parse(l) as { decision: string; rule: string; code: string; status: number });
}

beforeAll(async () => {
  pki = await makePki({ alice: ['developers'] });
  policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  alice = pki.bundle('alice');
});

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await gw?.stop();
});

describe('a staged rule in audit mode before the rules in force', () => {
  it('does not switch off the guards of the enforcing rule after it', async () => {
    const r = await docker(alice, gw.port, ['run', '--rm', '--label', LABEL, '-v', '/:/host', '--pid', 'host', 'busybox', 'head', '-1', '/host/etc/passwd']);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('dockgate: denied ContainerCreate for alice (groups developers): ');
    expect(r.stderr).toContain('(rule "dev-containers")');
    const left = await dockerDirect(socket, ['ps', '-aq', '--filter', `label=${LABEL}`]);
    expect(left.stdout.trim()).toBe('');
    await until(() => createRecords().length >= 1);
    expect(createRecords()[0]).toMatchObject({ decision: 'deny', rule: 'dev-containers', status: 403 });
  });

  it('forwards what the rules in force allow, recorded as would-deny by the staged rule', async () => {
    const before = createRecords().length;
    const r = await docker(alice, gw.port, ['run', '--rm', '--label', LABEL, 'busybox', 'echo', 'ok']);
    expect(r.stderr).toBe('');
    expect([r.code, r.stdout]).toEqual([0, 'ok\n']);
    await until(() => createRecords().length > before);
    expect(createRecords()[before]).toMatchObject({ decision: 'would-deny', rule: 'stage-no-create', code: 'rule-deny', status: 201 });
  });
});

describe("the gateway logs what policy check warns about", () => {
  /** The operational log's policy warnings (stderr), as messages. */
  const warnings = (): string[] =>
    gw
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"event":"policy-warning"'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);

  it('at start: the guards the enforcing rule leaves out', () => {
    expect(warnings()).toEqual([expect.stringMatching(/^rule "dev-containers" allows ContainerCreate without volumesFrom, links, securityOptions, .*can get root on the host/)]);
  });

  it('on reload: those of the new policy', async () => {
    const next = join(pki.dir, 'policy.next.yaml');
    writeFileSync(next, `${POLICY}  - name: ops-exec\n    who: { users: [ops] }\n    allow: [ContainerExec]\n`);
    renameSync(next, policyFile);
    await until(() => warnings().some((w) => w.startsWith('rule "ops-exec" allows ContainerExec without guards')), 15_000, 'the reloaded policy\'s warning');
    expect(warnings().filter((w) => w.startsWith('rule "dev-containers"'))).toHaveLength(2);
    // ops is allowed an exec but no ping (the developers get theirs through power:read).
    expect(warnings().filter((w) => w.includes('no rule forwards a ping'))).toEqual([expect.stringMatching(/^rule "ops-exec" allows operations to user ops, but no rule forwards a ping to them/)]);
  });
});
