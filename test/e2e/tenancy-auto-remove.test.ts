/**
 * `docker run --rm` over the `running` quota (rev-objects finding 1): the gateway refuses the
 * start, so dockerd never saw it fail and never removed the `--rm` container, and the docker
 * CLI 28, which waits for `condition=removed` after a failed start, hung until killed. The
 * gateway now removes the container (and its anonymous volumes) as dockerd removes one whose
 * start failed, and says so; both CLIs exit 125 with the refusal. Each run has a timeout, so a
 * hang fails the test instead of hanging it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, type RunResult, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { guidePolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
const CLI20 = '/usr/bin/docker';
const CLI28 = 'docker';
let pki: TestPki;
let gw: TestGateway;

/** docs/sharing.md's example policy, with a `running` quota of 1 for erin. */
function erinPolicy(): string {
  return guidePolicy(['    users:\n', '    users:\n      erin: { running: 1 }\n']);
}

const as = (args: string[], cli = CLI28): Promise<RunResult> => docker(pki.bundle('erin'), gw.port, args, { timeoutMs: 30_000, cli });

function audit(): Record<string, unknown>[] {
  return gw.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function volumes(): Promise<string[]> {
  return (await dockerDirect(socket, ['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean).sort();
}

const REFUSED = 'dockgate: denied ContainerStart for erin: running-container quota reached (1 of 1 running)';
const REMOVED = `${REFUSED}; the container was created with --rm (AutoRemove), so it was removed with its anonymous volumes, as dockerd removes one whose start failed`;

beforeAll(async () => {
  pki = await makePki({ erin: ['web'] });
  const policyFile = join(pki.dir, 'sharing-policy.yaml');
  writeFileSync(policyFile, erinPolicy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  const live = await as(['run', '-d', '--name', 'ar-live', '--network', 'none', 'busybox', 'sleep', '1d']);
  expect(live.code, live.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, 'label=dockgate.owner=erin', { volumes: true });
  await gw?.stop();
});

describe('docker run --rm over the running quota (rev-objects F1)', () => {
  it.each([
    [CLI28, []],
    [CLI20, []],
    [CLI28, ['-d']],
  ])('%s run --rm %j: exits 125 with the refusal; the container and its anonymous volume are gone, the named one stays', async (cli, extra) => {
    const name = `ar-rm-${cli.length}${extra.join('')}`;
    const named = `${name}-named`;
    expect((await as(['volume', 'create', named])).code).toBe(0);
    const before = await volumes();
    const r = await as(['run', '--rm', ...extra, '--name', name, '--network', 'none', '-v', '/anon', '-v', `${named}:/n`, 'busybox', 'echo', 'hi'], cli);
    expect(r.code, `${r.stderr} (null: killed by the test's timeout, the CLI hung)`).toBe(125);
    expect(r.stderr).toContain(REMOVED);
    expect(r.stdout.replace(/^[0-9a-f]{64}\n/, '')).toBe('');
    expect((await dockerDirect(socket, ['inspect', name])).code).not.toBe(0);
    // dockerd's RemoveVolume: the anonymous volume went, the named one stays.
    expect(await volumes()).toEqual(before);
    const record = audit().filter((x) => x.operation === 'ContainerStart').at(-1);
    expect(record).toMatchObject({ decision: 'deny', status: 403, rule: 'tenancy', code: 'quota', reason: REMOVED });
    expect((await as(['volume', 'rm', named])).code).toBe(0);
  });

  it('without --rm the container stays Created and the refusal says nothing of removal', async () => {
    const r = await as(['run', '-d', '--name', 'ar-plain', '--network', 'none', 'busybox', 'echo', 'hi']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`${REFUSED}\n`);
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.State.Status}}', 'ar-plain'])).stdout).toBe('created\n');
    expect((await as(['rm', 'ar-plain'])).code).toBe(0);
  });
});
