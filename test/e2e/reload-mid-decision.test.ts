/**
 * One policy decides one request, whatever reload lands while the gateway waits on the daemon
 * (rev-reload F1): a service create under `hostNamespaces: false` has its networks looked up on
 * the daemon between the rules' decision and tenancy. A relay in front of the real daemon holds
 * that look-up while the policy is replaced (rename + SIGHUP) by one with no tenancy. Before
 * the fix the old policy's rules and the new policy's tenancy (off) decided together: alice got
 * 201, the service was created without owner labels, and the record named the old version.
 * Now the old policy decides all of it: tenancy refuses (admin-only) and nothing is created.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { startHoldingRelay, type HoldingRelay } from './support/holding-relay.js';
import { until } from './support/until.js';
import { joinOneNodeSwarm, leaveOneNodeSwarm } from './support/swarm.js';

const socket = inject('dockerSocket');
const NETWORK = 'dgt-reload-mid-ov';
const SERVICE = 'dgt-reload-mid-svc';

const GUARDS = 'privileged: false, binds: false, hostNamespaces: false, volumesFrom: false, capabilities: false, devices: false, securityOptions: false, maskedPaths: false, sysctls: false, cgroupParent: false, runtimes: false, logDrivers: false, volumeDrivers: false, publishedPorts: false, execRoot: false, psArgs: false, swarm: false';

/** v1: tenancy on; the dev group's rule allows ServiceCreate (tenancy then refuses it: admin-only). */
const WITH_TENANCY = `version: 1
rules:
  - name: admins
    who: { groups: [admin] }
    allow: all
  - name: dev
    who: { groups: [dev] }
    allow: [power:read, ServiceCreate]
    guards: { ${GUARDS} }
tenancy:
  admins: { groups: [admin] }
  unowned: [images]
`;

/** v2: no tenancy, and dev may only ping. */
const STRICT = `version: 1
rules:
  - name: dev
    who: { groups: [dev] }
    allow: [SystemPing, SystemVersion]
`;

let pki: TestPki;
let relay: HoldingRelay;
let gw: TestGateway;
let policyFile: string;
let lookupHeld = false;

beforeAll(async () => {
  await joinOneNodeSwarm(socket, NETWORK);
  pki = await makePki({ alice: ['dev'] });
  policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, WITH_TENANCY);
  relay = await startHoldingRelay(socket, 6000);
  relay.hold = (line) => line.startsWith('GET /networks/') && (lookupHeld = true);
  gw = await startGateway(pki.dir, configYaml(pki, relay.path, `policy: ${policyFile}\n`));
});

afterAll(async () => {
  await gw?.stop();
  relay?.close();
  await leaveOneNodeSwarm(socket, NETWORK, [SERVICE]);
});

describe('a policy reload while a service create waits for its network look-up', () => {
  it('the policy that decided the rules decides tenancy too: refused admin-only, nothing created', async () => {
    const alice = pki.bundle('alice');
    const body = JSON.stringify({ Name: SERVICE, TaskTemplate: { ContainerSpec: { Image: 'busybox:latest', Command: ['sleep', '1d'] }, Networks: [{ Target: NETWORK }] }, Mode: { Replicated: { Replicas: 0 } } });
    const versionBefore = /"version":"([0-9a-f]{12})"/.exec(gw.stderr())?.[1];
    const answer = run('curl', ['-s', '--max-time', '30', '-w', '\n%{http_code}', '--cacert', join(alice, 'ca.pem'), '--cert', join(alice, 'cert.pem'), '--key', join(alice, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', body, `https://127.0.0.1:${gw.port}/v1.41/services/create`]);
    // Decided by v1's rule "dev"; its network look-up is held by the relay.
    await until(() => lookupHeld, 10_000, 'the network look-up');
    writeFileSync(`${policyFile}.new`, STRICT);
    renameSync(`${policyFile}.new`, policyFile);
    gw.process.kill('SIGHUP');
    const loaded = await until(() => gw.stderr().split('\n').filter((l) => l.includes('"msg":"policy loaded"')).at(-1)?.match(/"version":"([0-9a-f]{12})"/)?.[1] !== versionBefore, 5_000, 'the new policy');
    expect(loaded).toBe(true);
    // The look-up is still held: the reload landed between the rules and tenancy.
    expect(relay.passed.some((l) => l.startsWith('GET /networks/'))).toBe(false);

    const out = (await answer).stdout;
    expect(out).toMatch(/\n403$/);
    expect(out).toContain('ServiceCreate is refused');
    expect(out).toContain('only tenancy admins may run it');
    expect((await dockerDirect(socket, ['service', 'inspect', SERVICE])).code).not.toBe(0);
    const record = JSON.parse(await until(() => gw.stdout().split('\n').find((l) => l.includes('"ServiceCreate"')), 5_000, 'the record')) as Record<string, unknown>;
    expect(record).toMatchObject({ decision: 'deny', rule: 'tenancy', code: 'admin-only', status: 403, policyVersion: versionBefore });
  });
});
