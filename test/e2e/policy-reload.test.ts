/**
 * Policy reload in a running gateway (file change and SIGHUP) with a real daemon and the real
 * docker CLI: a valid change decides new requests within seconds while an open `docker logs -f`
 * stream keeps delivering; an invalid change is rejected and the previous policy still decides.
 * Also the built CLI's `dockgate policy check` and `dockgate policy explain`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, dockgate, makePki, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
const LOGS = 'dgt-reload-logs';

/** The policy with an optional restriction rule for alice placed before her read rule. */
function policy(aliceDenies?: string): string {
  const restrict = aliceDenies === undefined ? '' : `  - name: alice-restricted
    who: { users: [alice] }
    deny: [${aliceDenies}]
`;
  return `version: 1
rules:
  - name: admins-anything
    who: { users: [admin] }
    allow: all
${restrict}  - name: dev-read
    who: { groups: [developers] }
    allow: [power:read]
`;
}

let pki: TestPki;
let gw: TestGateway;
let policyFile: string;
let alice: string;
let admin: string;
let follower: ChildProcess | undefined;
let followed = '';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every 250 ms until it returns true or `ms` pass; returns the elapsed time. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await sleep(250);
  }
  throw new Error(`condition not met within ${ms} ms`);
}

/** Lines `line-N` the follower has received, as numbers. */
function followedLines(): number[] {
  return followed
    .split('\n')
    .filter((l) => l.startsWith('line-'))
    .map((l) => Number(l.slice(5)));
}

/** How many times the gateway logged `msg`. */
function logged(msg: string): number {
  return gw.stderr().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;
}

beforeAll(async () => {
  pki = await makePki({ admin: [], alice: ['developers'] });
  policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, policy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  alice = pki.bundle('alice');
  admin = pki.bundle('admin');
  const started = await docker(admin, gw.port, ['run', '-d', '--name', LOGS, 'busybox', 'sh', '-c', 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done']);
  expect(started.code).toBe(0);
});

afterAll(async () => {
  follower?.kill('SIGKILL');
  await dockerDirect(socket, ['rm', '-f', LOGS]);
  await gw?.stop();
});

describe('reload in a running gateway', () => {
  it('alice can list and follow logs under the first policy', async () => {
    const ps = await docker(alice, gw.port, ['ps', '--filter', `name=${LOGS}`, '--format', '{{.Names}}']);
    expect(ps.code).toBe(0);
    expect(ps.stdout.trim()).toBe(LOGS);
    follower = spawn('docker', [...tlsArgs(alice, gw.port), 'logs', '-f', LOGS], { stdio: ['ignore', 'pipe', 'pipe'] });
    follower.stdout?.on('data', (d: Buffer) => (followed += d.toString()));
    await within(10_000, async () => followedLines().length >= 3);
  });

  it('a valid change (deny ContainerList for alice) decides new requests within seconds; the stream keeps going', async () => {
    const before = followedLines().length;
    writeFileSync(policyFile, policy('ContainerList'));
    let last = { code: 0 as number | null, stderr: '' };
    const took = await within(6_000, async () => {
      last = await docker(alice, gw.port, ['ps']);
      return last.code === 1;
    });
    expect(took).toBeLessThan(6_000);
    expect(last.stderr).toContain('dockgate: denied ContainerList for alice (groups developers): denied by policy (rule "alice-restricted")');
    expect(logged('policy loaded')).toBeGreaterThanOrEqual(1);
    // Other reads still work, and the open stream was not cut.
    expect((await docker(alice, gw.port, ['inspect', '--format', '{{.Name}}', LOGS])).stdout.trim()).toBe(`/${LOGS}`);
    await sleep(1500);
    const lines = followedLines();
    expect(lines.length).toBeGreaterThan(before + 3);
    lines.forEach((n, i) => expect(n).toBe(i));
    expect(follower?.exitCode).toBeNull();
  });

  it('an invalid policy is rejected ("policy reload failed") and the previous policy still decides', async () => {
    const failuresBefore = logged('policy reload failed');
    writeFileSync(policyFile, policy('ContainerLogz'));
    await within(6_000, async () => logged('policy reload failed') > failuresBefore);
    expect(gw.stderr()).toContain('ContainerLogz');
    const ps = await docker(alice, gw.port, ['ps']);
    expect(ps.code).toBe(1);
    expect(ps.stderr).toContain('(rule "alice-restricted")');
    const logs = await docker(alice, gw.port, ['logs', '--tail', '1', LOGS]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^line-\d+\n$/);
    expect(follower?.exitCode).toBeNull();
    // The failure stays visible (the alert fires on it) until a good policy loads.
    const metrics = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^dockgate_policy_last_reload_successful 0$/m);
  });

  it('a policy file dated ahead of the clock is loaded after one quiet period, by the watch and by SIGHUP alike', async () => {
    // A file dated 10 minutes ahead (a skewed writer) used to keep the watch, and SIGHUP, waiting
    // for about 20 s (10 checks of its mtime against the clock); now a file that has not changed
    // (stat and content) for the quiet period is read (rev-fix-reload R2), and SIGHUP says it waits.
    const ahead = Math.floor(Date.now() / 1000) + 600;
    writeFileSync(policyFile, policy('ContainerLogs'));
    utimesSync(policyFile, ahead, ahead);
    const loaded = logged('policy loaded');
    let ps = { code: 1 as number | null, stdout: '', stderr: '' };
    await within(6_000, async () => {
      ps = await docker(alice, gw.port, ['ps', '--filter', `name=${LOGS}`, '--format', '{{.Names}}']);
      return ps.code === 0;
    });
    expect(ps.stdout.trim()).toBe(LOGS);
    expect(logged('policy loaded')).toBe(loaded + 1);

    gw.process.kill('SIGHUP');
    await within(5_000, async () => logged('policy loaded') === loaded + 2);
    expect(gw.stderr().split('\n').filter((l) => l.includes('"event":"policy-settle-wait"') && l.includes('ahead of the clock')).length).toBeGreaterThanOrEqual(1);
    // New log requests are now denied ...
    const logs = await docker(alice, gw.port, ['logs', '--tail', '1', LOGS]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toContain('dockgate: denied ContainerLogs for alice (groups developers): denied by policy (rule "alice-restricted")');
    // ... while the stream opened under the first policy is in flight and unaffected.
    const count = followedLines().length;
    await sleep(1500);
    expect(followedLines().length).toBeGreaterThan(count + 3);
    expect(follower?.exitCode).toBeNull();
  });
});

describe('dockgate policy check and explain (built CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratchDir('policy-cli-');
  });

  const devPolicy = `version: 1
rules:
  - name: dev-containers
    who: { groups: [developers] }
    allow: [ContainerCreate]
    guards:
      privileged: false
      binds: { allow: ["/srv/dev/{user}"] }
`;

  it('check: exit 0 and a summary for a valid policy, via --policy and via --config', async () => {
    writeFileSync(join(dir, 'good.yaml'), devPolicy);
    const r = await dockgate(['policy', 'check', '--policy', join(dir, 'good.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('policy OK');
    expect(r.stdout).toContain('- dev-containers: allow ContainerCreate [guards: privileged, binds]');
    writeFileSync(join(dir, 'gateway.yaml'), 'listen: 127.0.0.1:0\npolicy: good.yaml\n');
    const viaConfig = await dockgate(['policy', 'check', '--config', join(dir, 'gateway.yaml')]);
    expect(viaConfig.code).toBe(0);
    expect(viaConfig.stdout).toContain('good.yaml');
  });

  it('check: exit 2 listing every problem with its line', async () => {
    const bad = `version: 1
rules:
  - name: one
    who: { groups: [developers] }
    allow: [ContainerLisst]
  - name: one
    who: { anyone: true, users: [x] }
    allow: all
    colour: blue
  - name: three
    who: { users: [a] }
    allow: [power:everything]
    guards:
      privileged: maybe
      nonsense: true
`;
    writeFileSync(join(dir, 'bad.yaml'), bad);
    const r = await dockgate(['policy', 'check', '--policy', join(dir, 'bad.yaml')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    const problems = lines.slice(1);
    expect(problems).toHaveLength(7);
    expect(lines[0]).toMatch(/bad\.yaml: 7 problems$/);
    for (const [line, text] of [
      [5, 'ContainerLisst'],
      [6, 'one'],
      [7, 'anyone'],
      [9, 'colour'],
      [12, 'unknown power "everything"'],
      [14, 'privileged'],
      [15, 'nonsense'],
    ] as const) {
      expect(problems.some((p) => p.includes(`bad.yaml:${line}:`) && p.includes(text)), `problem on line ${line} mentioning ${text}:\n${r.stderr}`).toBe(true);
    }
  });

  it('explain: exit 3 on deny, naming the rule and the failing guard', async () => {
    writeFileSync(join(dir, 'dev.yaml'), devPolicy);
    writeFileSync(join(dir, 'create.json'), JSON.stringify({ Image: 'busybox', HostConfig: { Privileged: true, Binds: ['/srv/dev/alice:/w'] } }));
    const r = await dockgate(['policy', 'explain', '--as', 'alice', '--group', 'developers', '--policy', join(dir, 'dev.yaml'), 'POST', '/v1.41/containers/create', '--body', join(dir, 'create.json')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('operation: ContainerCreate (section containers, power write, route POST /containers/create)');
    expect(r.stdout).toContain('identity:  alice (groups developers)');
    expect(r.stdout).toMatch(/1\. dev-containers\s+allow\s+decided: group developers, selector "ContainerCreate"/);
    expect(r.stdout).toContain('guard privileged: fail: HostConfig.Privileged is not allowed (code privileged)');
    expect(r.stdout).toContain('guard binds: pass');
    expect(r.stdout).toContain('decision:  deny, rule dev-containers, code privileged: HostConfig.Privileged is not allowed');
    expect(r.stdout).toContain('message:   dockgate: denied ContainerCreate for alice (groups developers): HostConfig.Privileged is not allowed (rule "dev-containers")');
  });

  it('explain: exit 0 when allowed (body on stdin), exit 3 for another user, exit 3 for a malformed body', async () => {
    const args = (who: string[]): string[] => ['policy', 'explain', ...who, '--policy', join(dir, 'dev.yaml'), 'POST', '/containers/create?name=x', '--body', '-'];
    const body = JSON.stringify({ Image: 'busybox', HostConfig: { Binds: ['/srv/dev/alice/src:/src'] } });
    const ok = await dockgate(args(['--as', 'alice', '--group', 'developers']), { input: body });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('decision:  allow, rule dev-containers');
    const bob = await dockgate(args(['--as', 'bob', '--group', 'developers']), { input: body });
    expect(bob.code).toBe(3);
    expect(bob.stdout).toContain('guard binds: fail: HostConfig.Binds[0] "/srv/dev/alice/src" is outside the allowed host paths (code bind-mount)');
    const dup = await dockgate(args(['--as', 'alice', '--group', 'developers']), { input: '{"Image":"busybox","HostConfig":{},"hostconfig":{"Privileged":true}}' });
    expect(dup.code).toBe(3);
    expect(dup.stdout).toContain('request refused before the policy');
  });
});
