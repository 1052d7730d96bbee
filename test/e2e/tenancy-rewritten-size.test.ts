/**
 * A body the gateway rewrites is held to limits.bodyBytes (64 KiB here) like the body the
 * client sent: a tenant's legacy create that tenancy's rewrite grows past it, and an admin's
 * create a policy amendment takes over it, are refused 413 and make no container. A refusal
 * after tenancy admitted a create frees the tenant's quota lock.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, makePki, removeContainers, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { everyonePolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
const LIMIT = 64 * 1024;
let pki: TestPki;
let gw: TestGateway;

beforeAll(async () => {
  pki = await makePki({ carol: ['data'], root: ['ops'] });
  const policyFile = join(pki.dir, 'rewritten-size-policy.yaml');
  writeFileSync(policyFile, everyonePolicy(['admins: { groups: [ops] }', 'teams: [data]', 'unowned: [images]', 'quotas:', '  default: { containers: 5 }'], { guards: '{ hostNamespaces: false }' }));
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\nlimits: { bodyBytes: ${LIMIT} }\n`));
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, 'name=ten-rw-', { volumes: true });
  await gw?.stop();
});

/** POST a create as `who` with a raw body: status and answer text (curl gives up after 30 s). */
async function create(who: string, api: string, name: string, raw: string): Promise<{ status: number; text: string }> {
  const b = pki.bundle(who);
  const r = await run('curl', ['-s', '-m', '30', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
    '-H', 'Content-Type: application/json', '--data-binary', '@-', `https://127.0.0.1:${gw.port}/v${api}/containers/create?name=${name}`], { input: raw });
  const lines = r.stdout.split('\n');
  return { status: Number(lines.pop()), text: lines.join('\n') };
}

async function exists(name: string): Promise<boolean> {
  const r = await dockerDirect(socket, ['ps', '-aq', '--filter', `name=^${name}$`]);
  return r.stdout.trim() !== '';
}

const REFUSAL = `the body as the gateway rewrote it (owner labels, pinned references, limits, policy amendments) would exceed the ${LIMIT}-byte inspection limit (limits.bodyBytes)`;

/** A legacy (API < 1.24 layout) create body with `n` anonymous volume mounts at the top level. */
function legacyMounts(n: number): string {
  return JSON.stringify({ Image: 'busybox', Cmd: ['true'], Mounts: Array.from({ length: n }, (_, i) => ({ Type: 'volume', Target: `/m${i}` })) });
}

describe('a rewritten body over limits.bodyBytes is refused, never forwarded', () => {
  it.each([
    // Under the limit as sent; copied into HostConfig and labelled, over it.
    ['copied into HostConfig', 1000],
    // The labels alone take it over: refused before the rewrite is made.
    ['labelled', 1700],
  ])('a tenant\'s legacy create its rewrite takes over the limit (%s)', async (_how, n) => {
    const raw = legacyMounts(n);
    expect(raw.length).toBeLessThan(LIMIT);
    const name = `ten-rw-mounts-${n}`;
    const r = await create('carol', '1.39', name, raw);
    expect(r.text).toContain(REFUSAL);
    expect(r.status).toBe(413);
    expect(await exists(name)).toBe(false);
    expect(gw.stdout()).toContain('"reason":"rewritten-body-too-large: dockgate: refused POST request');
  });

  it('an admin\'s create a policy amendment takes over the limit is refused; a smaller one is amended and created', async () => {
    // API 1.40 without CgroupnsMode: the hostNamespaces guard writes "CgroupnsMode":"private" in.
    const body = (size: number): string => {
      const head = '{"Image":"busybox","Cmd":["true"],"Env":["PAD=';
      const tail = '"]}';
      return head + 'x'.repeat(size - head.length - tail.length) + tail;
    };
    const over = await create('root', '1.40', 'ten-rw-amend-over', body(LIMIT - 8));
    expect(over.text).toContain(REFUSAL);
    expect(over.status).toBe(413);
    expect(await exists('ten-rw-amend-over')).toBe(false);
    const under = await create('root', '1.40', 'ten-rw-amend-under', body(LIMIT - 200));
    expect(under.status, under.text).toBe(201);
    const mode = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}}', 'ten-rw-amend-under']);
    expect(mode.stdout.trim()).toBe('private');
  });

  it('a create refused after tenancy admitted it frees the quota lock: the tenant\'s next create is answered', async () => {
    // A whole number written as a float is refused once tenancy would rewrite the body.
    const refused = await create('carol', '1.41', 'ten-rw-float', '{"Image":"busybox","Cmd":["true"],"StopTimeout":1e1}');
    expect(refused.status).toBe(400);
    const next = await create('carol', '1.41', 'ten-rw-next', '{"Image":"busybox","Cmd":["true"]}');
    expect(next.status, next.text).toBe(201);
  });
});
