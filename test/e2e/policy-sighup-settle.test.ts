/**
 * SIGHUP reads the policy once the file has settled, as the file watch does (rev-reload F4):
 * a signal sent while the file is being written in place used to read it at once, and a valid
 * prefix (here: the first rule of two) went into force. Now the gateway waits until the file
 * has gone unmodified for 2 s, so only the whole file is loaded.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { configYaml, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const FIRST = `version: 1
rules:
  - name: admins
    who: { users: [admin] }
    allow: all
`;
const PREFIX = `version: 1
rules:
  - name: alice
    who: { users: [alice] }
    allow: [power:read]
`;
const REST = `  - name: alice-no-logs
    who: { users: [alice] }
    deny: [ContainerLogs]
`;
const versionOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);
let pki: TestPki;
let gw: TestGateway;
let policyFile: string;

beforeAll(async () => {
  pki = await makePki({ admin: [], alice: [] });
  policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, FIRST);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
});

afterAll(async () => {
  await gw?.stop();
});

const loaded = (): string[] => gw.stderr().split('\n').filter((l) => l.includes('"msg":"policy loaded"')).map((l) => (JSON.parse(l) as { version: string }).version);

it('a SIGHUP during an in-place write loads the whole file, never the prefix', async () => {
  const before = loaded().length;
  writeFileSync(policyFile, PREFIX);
  gw.process.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 500));
  appendFileSync(policyFile, REST);
  await until(() => loaded().length > before && loaded().at(-1) === versionOf(PREFIX + REST), 10_000, 'the whole policy');
  // Nothing else may follow, and the prefix never went into force.
  await new Promise((r) => setTimeout(r, 3000));
  expect(loaded().slice(before)).not.toContain(versionOf(PREFIX));
  expect(loaded().at(-1)).toBe(versionOf(PREFIX + REST));
  // The wait was said, once (rev-fix-reload R2: it was silent).
  const waits = gw.stderr().split('\n').filter((l) => l.includes('"event":"policy-settle-wait"'));
  expect(waits).toHaveLength(1);
  expect(waits[0]).toContain('SIGHUP: the policy file is read once it has not changed for 2 s');
});
