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

/** `dockgate_policy_reloads_total{result}` from the admin listener's /metrics. */
async function reloads(result: 'success' | 'failure'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  const m = new RegExp(`^dockgate_policy_reloads_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
const failures = (): number => gw.stderr().split('\n').filter((l) => l.includes('"msg":"policy reload failed')).length;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// rev-config F6: the file watch and the signal's settle wait both read the change: two
// `policy loaded` lines (two failures for an invalid file) and the counter +2.
it('one change followed by SIGHUP is loaded once, and a later change is still loaded', async () => {
  const before = loaded().length;
  const successBefore = await reloads('success');
  writeFileSync(policyFile, FIRST + '# one change\n');
  gw.process.kill('SIGHUP');
  await until(() => loaded().length > before, 10_000, 'the change');
  // Both the watch (1 s poll, 2 s quiet) and the signal's wait have had their turn.
  await sleep(4000);
  expect(loaded().slice(before)).toEqual([versionOf(FIRST + '# one change\n')]);
  expect(await reloads('success')).toBe(successBefore + 1);

  writeFileSync(policyFile, FIRST + '# a second change\n');
  await until(() => loaded().at(-1) === versionOf(FIRST + '# a second change\n'), 10_000, 'the second change');
  await sleep(4000);
  expect(loaded().slice(before)).toEqual([versionOf(FIRST + '# one change\n'), versionOf(FIRST + '# a second change\n')]);
  expect(await reloads('success')).toBe(successBefore + 2);
});

it('an invalid change followed by SIGHUP fails once; a SIGHUP on an unchanged file still reloads it', async () => {
  const failed = failures();
  const failureBefore = await reloads('failure');
  writeFileSync(policyFile, FIRST + 'bogus: key\n');
  gw.process.kill('SIGHUP');
  await until(() => failures() > failed, 10_000, 'the failure');
  await sleep(4000);
  expect(failures()).toBe(failed + 1);
  expect(await reloads('failure')).toBe(failureBefore + 1);

  writeFileSync(policyFile, FIRST);
  await until(() => loaded().at(-1) === versionOf(FIRST), 10_000, 'the repair');
  await sleep(3000);
  const now = loaded().length;
  gw.process.kill('SIGHUP');
  await until(() => loaded().length === now + 1, 5_000, 'the reload an operator asked for');
});
