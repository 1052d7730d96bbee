/**
 * A client certificate whose name holds hidden characters (`\u202Eecila`, which prints as
 * "alice"; issued before `certs issue` refused such names, or by another tool), against a real
 * dockerd, both docker CLIs and real TLS: the policy decides on the exact name (the rule naming
 * `\u202Eecila` applies, alice's does not), the 403 message the CLI prints writes the name and
 * its groups with `\uXXXX` (it printed them raw: the terminal showed "alice"),
 * and the audit record keeps the exact name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordsOf } from './support/audit-records.js';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, dockgate, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-hidden-names';
const SPOOF = '\u202Eecila';
let pki: TestPki;
let gw: TestGateway;

// YAML's double-quoted escapes: the policy names the exact characters.
const POLICY = `version: 1
rules:
  - name: alice
    who: { users: [alice] }
    allow: [power:read]
  - name: no-create
    who: { users: ["\\u202Eecila"] }
    deny: [ContainerCreate]
  - name: spoof-read
    who: { users: ["\\u202Eecila"] }
    allow: [SystemPing, SystemPingHead, ContainerList]
`;

/** Any hidden character escapeHidden writes as \uXXXX, but newlines. */
const RAW_HIDDEN = /(?!\n)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cc}]/u;

beforeAll(async () => {
  pki = await makePki({ ecila: ['dev'] });
  // What an index written before the refusal may hold; renew then signs CN=\u202Eecila, OU=d\u200Bev.
  const indexFile = join(pki.dir, 'index.json');
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { certs: { kind: string; name: string; groups: string[] }[] };
  for (const e of index.certs) {
    if (e.kind === 'client' && e.name === 'ecila') Object.assign(e, { name: SPOOF, groups: ['d\u200Bev'] });
  }
  writeFileSync(indexFile, JSON.stringify(index, null, 2));
  const renewed = await dockgate(['certs', 'renew', SPOOF, '--dir', pki.dir]);
  expect(renewed.code, renewed.stderr).toBe(0);
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await gw?.stop();
});

const spoof = (cli: string, args: string[]) => docker(pki.bundle('ecila'), gw.port, args, { cli });

describe.each(DOCKER_CLIS)('docker CLI %s', (_version, cli) => {
  it('the rule naming the exact name decides: ps is allowed, images (alice\'s rule) is not', async () => {
    const ps = await spoof(cli, ['ps']);
    expect(ps.code, ps.stderr).toBe(0);
    const images = await spoof(cli, ['images']);
    expect(images.code).not.toBe(0);
    expect(images.stderr).toContain('dockgate: denied ImageList for \\u202Eecila (groups d\\u200Bev): no rule allows it (rule "default")');
    expect(images.stderr).not.toMatch(RAW_HIDDEN);
  });

  it('a denial by the rule naming the exact name: name and groups written \\uXXXX', async () => {
    const r = await spoof(cli, ['run', '--label', LABEL, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('dockgate: denied ContainerCreate for \\u202Eecila (groups d\\u200Bev): ');
    expect(r.stderr).toContain('(rule "no-create")');
    expect(r.stderr).not.toMatch(RAW_HIDDEN);
    expect((await dockerDirect(socket, ['ps', '-aq', '--filter', `label=${LABEL}`])).stdout).toBe('');
  });
});

it('the audit log records the exact name (JSON-escaped, as JSON reads back)', async () => {
  await until(() => recordsOf(gw, 'ContainerCreate').length >= DOCKER_CLIS.length, 10_000, 'the ContainerCreate records');
  for (const r of recordsOf(gw, 'ContainerCreate')) {
    expect(r).toMatchObject({ decision: 'deny', rule: 'no-create', identity: { cn: SPOOF, groups: ['d\u200Bev'] } });
  }
  // Written as \uXXXX escapes of JSON: the raw characters never reach the log's bytes.
  expect(gw.stdout()).not.toMatch(RAW_HIDDEN);
});
