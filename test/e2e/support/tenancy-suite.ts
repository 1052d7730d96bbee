/**
 * The fixture of the tenancy suites split from one file (tenancy-ownership, -limits,
 * -networks-volumes, -images, -registry, -locks, -host-config): identities that share one real
 * dockerd through one gateway with the real docker CLI, under one policy. alice and bob are team
 * `web`, carol is team `data`, root is an admin; the others (team-less, group `qa`) each carry
 * the quota of one test. alice, bob and carol each start with a running container (`ten-a1`,
 * `ten-b1`, `ten-c1`).
 */
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { everyonePolicy } from './sharing-guide.js';
import { scratchDir } from './scratch.js';
import { configYaml, docker, dockerDirect, makePki, removeContainers, run, startGateway, tlsArgs, type RunResult, type TestGateway, type TestPki } from './gateway.js';

/** The suites' policy: everyone may do anything; tenancy with admins, teams, a shared network, BuildKit and per-user quotas. */
export const TENANCY_POLICY = everyonePolicy([
  'admins: { groups: [ops] }',
  'teams: [web, data]',
  'unowned: [images]',
  'shared: { networks: [ten-shared] }',
  'buildkit: true',
  'quotas:',
  '  default: { memory: 64m, defaultMemory: 32m }',
  '  users:',
  '    gina: { cpus: 1, defaultCpus: 0.5, pids: 64 }',
  '    hank: { running: 1 }',
  '    erin: { containers: 5 }',
  '    dave: { rate: { perSecond: 0.2, burst: 3 } }',
  '    frank: { running: 1, streams: 1 }',
  '    ivan: { running: 2, networks: 1 }',
  '    kate: { containers: 1 }',
  '    jack: { running: 2 }',
  "    'volume-name:ten-lkv': { containers: 2 }",
]);

/** Each identity's groups (its certificate's OUs). */
const GROUPS = {
  alice: ['web'],
  bob: ['web'],
  carol: ['data'],
  root: ['ops'],
  erin: ['qa'],
  dave: [],
  frank: ['qa'],
  gina: ['qa'],
  hank: ['qa'],
  ivan: ['qa'],
  kate: ['qa'],
  jack: ['qa'],
  'volume-name:ten-lkv': ['qa'],
} as const satisfies Record<string, readonly string[]>;

/** An identity of the tenancy suites. */
export type TenancyIdentity = keyof typeof GROUPS;

/**
 * The PKI of every identity, made by the first tenancy suite of the run and used by the others
 * (files run one at a time): `certs issue` is a process per client, seconds per suite. Its
 * directory is named in a file under the run's scratch root, which the run removes at its end.
 */
async function runPki(): Promise<TestPki> {
  const marker = join(inject('scratchRoot'), 'tenancy-suite-pki');
  if (existsSync(marker)) {
    const dir = readFileSync(marker, 'utf8');
    return { dir, bundle: (name) => join(dir, 'clients', name) };
  }
  const pki = await makePki(Object.fromEntries(Object.entries(GROUPS).map(([who, groups]) => [who, [...groups]])));
  writeFileSync(marker, pki.dir);
  return pki;
}

/** The container each of alice, bob and carol starts with. */
const FIRST_CONTAINERS: readonly (readonly [TenancyIdentity, string])[] = [['alice', 'ten-a1'], ['bob', 'ten-b1'], ['carol', 'ten-c1']];

/** Images the suites make under names of their own; removed at the end whether or not a test did. */
const IMAGES = [
  'ten-img-a', 'ten-built-a', 'ten-img-c', 'ten-img-chg', 'ten-spoof:1', 'ten-built-c', 'ten-built-lim', 'ten-built-bk', 'ten-idimg-a', 'ten-idimg-c', 'ten-repo-a:1',
  'ten-repo-a:bob', 'ten-repo-c', 'ten-race-0:1', 'ten-race-1:1', 'ten-imp:1', 'ten-imp-c:1', 'ten-race-left:1', 'ten-df-a', 'ten-df-c', 'ten-ss-a',
];

/** What a tenancy suite's tests use; `pki`, `gw` and `a1Id` are set once its `beforeAll` has run. */
export interface TenancySuite {
  readonly socket: string;
  readonly pki: TestPki;
  /** The suite's gateway (another one after `restartGateway`). */
  readonly gw: TestGateway;
  /** The full ID of alice's `ten-a1` (empty when the suite has no alice). */
  readonly a1Id: string;
  /** The policy file the gateway watches: a test that rewrites it must write TENANCY_POLICY back. */
  readonly policyFile: string;
  /** The docker CLI as `who` through the gateway. */
  as(who: string, args: string[], timeoutMs?: number): Promise<RunResult>;
  /** A raw API call through the gateway as `who`: status and parsed JSON body. */
  api(who: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** The lines a successful docker command as `who` prints, sorted. */
  names(who: string, args: string[]): Promise<string[]>;
  /** A classic-builder (`DOCKER_BUILDKIT=0`) `docker build` as `who` through the gateway. */
  classicBuild(who: string, args: string[]): Promise<RunResult>;
  /** Stop the gateway and start it again on the same configuration. */
  restartGateway(): Promise<void>;
}

/** How a tenancy suite starts. */
export interface TenancySuiteOptions {
  /** Start `ten-a1`, `ten-b1` and `ten-c1` for those of alice, bob and carol the suite has (default true). */
  firstContainers?: boolean;
}

/**
 * Register the suite's `beforeAll` (the run's PKI, the gateway under TENANCY_POLICY, the first
 * containers of those of `identities` that have one) and its `afterAll` (everything the suites
 * make, removed on the daemon).
 */
export function tenancySuite(identities: readonly TenancyIdentity[], opts: TenancySuiteOptions = {}): TenancySuite {
  const socket = inject('dockerSocket');
  let pki: TestPki | undefined;
  let gw: TestGateway | undefined;
  let yaml = '';
  let policyFile = '';
  let a1Id = '';
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the tenancy suite is not set up (its beforeAll has not run)');
    return value;
  };
  const as = (who: string, args: string[], timeoutMs = 60_000): Promise<RunResult> => docker(ready(pki).bundle(who), ready(gw).port, args, { timeoutMs });

  beforeAll(async () => {
    pki = await runPki();
    policyFile = join(scratchDir('tenancy-suite-'), 'tenancy-policy.yaml');
    writeFileSync(policyFile, TENANCY_POLICY);
    yaml = configYaml(pki, socket, `policy: ${policyFile}\n`);
    gw = await startGateway(pki.dir, yaml);
    const first = FIRST_CONTAINERS.filter(([who]) => opts.firstContainers !== false && identities.includes(who));
    await Promise.all(first.map(async ([who, name]) => {
      const r = await as(who, ['run', '-d', '--name', name, 'busybox', 'sleep', '600']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      if (who === 'alice') a1Id = r.stdout.trim();
    }));
  }, 120_000);

  afterAll(async () => {
    await removeContainers(socket, 'label=dockgate.owner');
    await dockerDirect(socket, ['volume', 'rm', '-f', 'ten-va', 'ten-vc']);
    const vols = await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=dockgate.owner']);
    const volList = vols.stdout.split('\n').filter(Boolean);
    if (volList.length) await dockerDirect(socket, ['volume', 'rm', '-f', ...volList]);
    await dockerDirect(socket, ['network', 'rm', 'ten-na', 'ten-nc', 'ten-shared-dns', 'ten-i-net1', 'ten-i-net2']);
    await dockerDirect(socket, ['rmi', '-f', ...IMAGES]);
    await gw?.stop();
  });

  return {
    socket,
    get pki() {
      return ready(pki);
    },
    get gw() {
      return ready(gw);
    },
    get a1Id() {
      return a1Id;
    },
    get policyFile() {
      return policyFile;
    },
    as,
    async api(who, method, path, body) {
      const b = ready(pki).bundle(who);
      const args = ['-s', '-X', method, '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem')];
      if (body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
      const r = await run('curl', [...args, `https://127.0.0.1:${ready(gw).port}/v1.41${path}`]);
      const lines = r.stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(lines.join('\n')) as Record<string, unknown>;
      } catch {
        json = { raw: lines.join('\n') };
      }
      return { status, json };
    },
    async names(who, args) {
      const r = await as(who, args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return r.stdout.split('\n').filter(Boolean).sort();
    },
    classicBuild(who, args) {
      return run('docker', [...tlsArgs(ready(pki).bundle(who), ready(gw).port), 'build', ...args], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
    },
    async restartGateway() {
      await ready(gw).stop();
      gw = await startGateway(ready(pki).dir, yaml);
    },
  };
}
