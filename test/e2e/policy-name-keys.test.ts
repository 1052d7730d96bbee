/**
 * Names YAML reads as numbers, in a running gateway (rev-config F1). A tenancy quota under
 * `users: { 0042: ... }` was the quota of a user "42": the certificate 0042 created container
 * after container. Now the quoted name is enforced, and a policy with the bare key is refused:
 * on reload (the previous policy, and its quota, stay in force) and at start (exit 2).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockgate, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const OWNER = 'label=dockgate.owner=0042';

/** A tenancy policy with a one-container quota for the user written as `key`. */
const policy = (key: string): string => `version: 1
rules:
  - name: everyone
    who: { anyone: true }
    allow: all
    guards: { privileged: false, hostNamespaces: false, binds: false, capabilities: false, devices: false, securityOptions: false }
tenancy:
  unowned: [images]
  quotas:
    users: { ${key}: { containers: 1 } }
`;

let pki: TestPki;
let gw: TestGateway;
let policyFile: string;

const create = () => docker(pki.bundle('0042'), gw.port, ['create', 'busybox', 'true']);

beforeAll(async () => {
  pki = await makePki({ '0042': [] });
  policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, policy('"0042"'));
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
});

afterAll(async () => {
  await gw?.stop();
  await removeContainers(socket, OWNER);
});

describe('a quota for a user whose name looks like a number', () => {
  it('quoted, it applies to that user', async () => {
    expect((await create()).code).toBe(0);
    const second = await create();
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('container quota reached');
  });

  it('a reload with the bare key is refused, naming the key and its line, and the quota stays', async () => {
    writeFileSync(policyFile, policy('0042'));
    await until(() => gw.stderr().includes('policy reload failed'), 10_000);
    expect(gw.stderr()).toContain('key 0042 is read by YAML as the number 42, not a name: quote it (\\"0042\\")');
    const again = await create();
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('container quota reached');
  });

  it('serve refuses it at start (exit 2)', async () => {
    const config = join(pki.dir, 'bare.yaml');
    writeFileSync(config, configYaml(pki, socket, `policy: ${policyFile}\n`));
    const r = await dockgate(['serve', '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('line 10: key 0042 is read by YAML as the number 42, not a name: quote it ("0042")');
  });
});
