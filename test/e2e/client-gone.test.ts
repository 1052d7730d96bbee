/**
 * Clients that leave before their exchange completed, over real mutual TLS to the real daemon:
 * a pipelined request still gets its audit record (Node gives a response queued behind an
 * earlier one no `close` when the client leaves), and an `/events` stream whose client left
 * before the daemon's answer came is not left running (the open-streams gauge returns to 0).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, RawConnection } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-client-gone-test';
let pki: TestPki;
let gw: TestGateway;
let auditFile: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 100 ms until it returns a value or `ms` pass. */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined || Date.now() > until) return v;
    await sleep(100);
  }
}

function auditRecords(): Array<Record<string, unknown>> {
  if (!existsSync(auditFile)) return [];
  return readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function openStreams(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  const m = /^dockgate_open_streams (\d+)$/m.exec(text);
  if (!m) throw new Error('no dockgate_open_streams in /metrics');
  return Number(m[1]);
}

beforeAll(async () => {
  pki = await makePki({ admin: ['ops'], bob: ['dev'] });
  auditFile = join(scratchDir('client-gone-'), 'audit.log');
  gw = await startGateway(pki.dir, configYaml(pki, socket, `audit: { file: ${auditFile} }\n`));
});

afterAll(async () => {
  const left = await dockerDirect(socket, ['ps', '-aq', '--filter', `label=${LABEL}`]);
  const ids = left.stdout.split('\n').filter(Boolean);
  if (ids.length) await dockerDirect(socket, ['rm', '-f', ...ids]);
  await gw?.stop();
});

describe('a client that leaves', () => {
  it('still leaves an audit record for a request pipelined behind a stream', async () => {
    const name = 'dgt-client-gone-pipelined';
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: { [LABEL]: '1' } });
    const conn = await RawConnection.tls(pki.bundle('admin'), gw.port);
    conn.write(Buffer.concat([
      httpRequest({ method: 'GET', target: '/v1.41/events' }),
      httpRequest({ method: 'POST', target: `/v1.41/containers/create?name=${name}`, headers: [['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))]], body }),
    ]));
    // The daemon runs the create while its answer waits behind the endless /events answer.
    const created = await eventually(async () => ((await dockerDirect(socket, ['inspect', '--format', '{{.Id}}', name])).code === 0 ? true : undefined));
    expect(created).toBe(true);
    conn.close();
    const record = await eventually(() => auditRecords().find((r) => r.operation === 'ContainerCreate' && (r.fields as { name?: string } | undefined)?.name === name));
    expect(record).toMatchObject({ method: 'POST', decision: 'allow', identity: { cn: 'admin' } });
    expect(auditRecords().filter((r) => r.operation === 'SystemEvents').length).toBeGreaterThanOrEqual(1);
  });

  it('does not leave /events streams running when it leaves at once', async () => {
    for (let i = 0; i < 5; i++) {
      const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
      conn.write(httpRequest({ method: 'GET', target: '/v1.41/events' }));
      conn.close();
    }
    await sleep(500);
    expect(await eventually(async () => ((await openStreams()) === 0 ? 0 : undefined), 5_000)).toBe(0);
  });
});
