/**
 * Another tenant's large objects no longer decide whether a tenant's look-ups succeed (rev-dos
 * F1), against a real dockerd with the docker CLI over mutual TLS. The gateway runs with its
 * look-up cap lowered to 4 MiB (DOCKGATE_LOOKUP_ANSWER_BYTES) so that megabytes stand for the
 * 64 MiB of the finding: tenant alice's container carries 2 MB of labels and three commits copy
 * them into images, so the daemon's `/images/json` and `/system/df` are over the cap. The
 * gateway read those answers whole and refused them past the cap, and carol's `docker images`, `system df`, `save`
 * and `commit` got 502. Lists are now read item by item (src/tenancy/list-reader.ts), holding
 * only what the look-up keeps. The objects are made on the daemon directly (tenants cannot
 * send bodies that large through the gateway; the commits copy the labels as a tenant's would).
 */
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, startGateway, type RunResult, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { guidePolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
let bigId = '';
const COMMITS = 3;
const CAP = 4 * 1024 * 1024;

const as = (who: string, args: string[]): Promise<RunResult> => docker(pki.bundle(who), gw.port, args, { timeoutMs: 60_000 });

/** A request straight to the daemon's socket; resolves with status and body. */
function daemon(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: { Host: 'docker', 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], carol: ['data'], ops: ['ops'] });
  const file = join(pki.dir, 'large-lists-policy.yaml');
  writeFileSync(file, guidePolicy());
  process.env.DOCKGATE_LOOKUP_ANSWER_BYTES = String(CAP);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${file}\n`));
  // alice's container as the gateway makes them (owner, team, proof of creation), with 2 MB of labels.
  const labels: Record<string, string> = { 'dockgate.owner': 'alice', 'dockgate.team': 'web', 'dockgate.created': randomBytes(16).toString('hex') };
  for (let i = 0; i < 2; i++) labels[`big${i}`] = 'x'.repeat(1_000_000);
  const made = await daemon('POST', '/containers/create?name=ll-big', JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: labels, HostConfig: { NetworkMode: 'none' } }));
  expect(made.status, made.body.slice(0, 300)).toBe(201);
  bigId = (JSON.parse(made.body) as { Id: string }).Id;
  for (let i = 0; i < COMMITS; i++) {
    const c = await daemon('POST', `/commit?container=${bigId}&repo=alice/ll-big&tag=${i}`);
    expect(c.status, c.body.slice(0, 300)).toBe(201);
  }
  const created = await as('carol', ['create', '--name', 'll-carol', '--network', 'none', 'busybox', 'true']);
  expect(created.code, created.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  for (let i = 0; i < COMMITS; i++) await daemon('DELETE', `/images/alice/ll-big:${i}?force=1`);
  if (bigId) await daemon('DELETE', `/containers/${bigId}?force=1`);
  await dockerDirect(socket, ['rm', '-f', 'll-carol']);
  await dockerDirect(socket, ['rmi', 'carol/ll:1']);
  await gw?.stop();
});

describe("rev-dos F1: another tenant's labels do not wedge look-ups", () => {
  it("the daemon's lists are past the cap", async () => {
    expect((await daemon('GET', '/images/json')).body.length).toBeGreaterThan(CAP);
    expect((await daemon('GET', '/system/df')).body.length).toBeGreaterThan(CAP);
  });

  it("carol's docker images succeeds and lists what she may see only", async () => {
    const r = await as('carol', ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('busybox:latest');
    expect(r.stdout).not.toContain('alice/ll-big');
  });

  it("carol's docker system df succeeds", async () => {
    const r = await as('carol', ['system', 'df', '-v']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ll-carol');
    expect(r.stdout).not.toContain('alice/ll-big');
  });

  it("carol's docker commit succeeds", async () => {
    const r = await as('carol', ['commit', 'll-carol', 'carol/ll:1']);
    expect(r.code, r.stderr).toBe(0);
  });

  it("carol's docker save of a repository succeeds", async () => {
    const out = join(scratchDir('ll-save-'), 'll.tar');
    const r = await as('carol', ['save', '-o', out, 'carol/ll']);
    expect(r.code, r.stderr).toBe(0);
  });

  it("alice's own image list fails: the cap counts what a look-up keeps, and hers are over it", async () => {
    const r = await as('alice', ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('exceed');
  });
});
