/**
 * Answers tenancy builds itself (a tenant's filtered container list) are written whole: a
 * client that never reads them left them in the gateway's memory, 64 connections of a 55 MB
 * list took it to 4.9 GB (rev-dos F2). Their unread bytes now count per identity against
 * limits.bufferedBodyBytesPerIdentity: with one big list unread, the tenant's next list gets
 * 429 identity-answer-budget, and is served again once the first is read. Real dockerd, real TLS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { jsonRequest, RawConnection } from './support/raw-tls.js';
import { guidePolicy } from './support/sharing-guide.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
/** The bound: 4 MiB (the least limits.bufferedBodyBytesPerIdentity may be: limits.bodyBytes). */
const BOUND = 4 * 1024 * 1024;

beforeAll(async () => {
  pki = await makePki({ carol: ['data'] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, guidePolicy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\nlimits: { bodyBytes: ${BOUND}, bufferedBodyBytesPerIdentity: ${BOUND} }\n`));
  // Three of carol's containers with 3 MB of labels each: her list is about 9 MB.
  for (let i = 0; i < 3; i++) {
    const conn = await RawConnection.tls(pki.bundle('carol'), gw.port);
    conn.write(jsonRequest('POST', `/v1.41/containers/create?name=ua-big-${i}`, JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: { filler: 'x'.repeat(3_000_000) } })));
    const r = await conn.response();
    conn.close();
    expect(r.status, r.text).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, 'name=ua-big-');
  await gw?.stop();
});

/**
 * A TLS connection as carol that sends a list request and does not read its answer, once the
 * answer has begun to arrive: the gateway counts an answer it builds before it writes it
 * (decide-and-forward.ts: take, then writeHead), so from here its bytes are held until read.
 * Waited for, not slept for: a list sent before the gateway has built this answer may take the
 * budget first, and this one is then the list refused (429), read at once.
 */
async function unreadList(): Promise<TLSSocket> {
  const b = pki.bundle('carol');
  const s = connect({ host: '127.0.0.1', port: gw.port, ca: readFileSync(join(b, 'ca.pem')), cert: readFileSync(join(b, 'cert.pem')), key: readFileSync(join(b, 'key.pem')), servername: 'localhost' });
  await new Promise((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
  // Paused: the socket reads no more than its high-water mark (16 KiB) into its buffer.
  s.pause();
  s.write('GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: docker\r\n\r\n');
  await until(() => s.readableLength > 0, 30_000, 'the first bytes of the unread answer');
  return s;
}

/** Read `s` (paused by unreadList) to the end of its answer: the answer's status and body length. */
async function readAnswer(s: TLSSocket): Promise<{ status: number; bodyLength: number }> {
  let head = Buffer.alloc(0);
  let headEnd = -1;
  let received = 0;
  s.on('data', (d: Buffer) => {
    received += d.length;
    if (headEnd < 0) {
      head = Buffer.concat([head, d]);
      headEnd = head.indexOf('\r\n\r\n');
    }
  });
  s.resume();
  return until(() => {
    if (headEnd < 0) return undefined;
    const text = head.subarray(0, headEnd).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(text);
    expect(length, 'the answer has a Content-Length').not.toBeNull();
    const bodyLength = Number(length?.[1]);
    return received - headEnd - 4 >= bodyLength ? { status: Number(text.split(' ')[1]), bodyLength } : undefined;
  }, 30_000, 'the first answer read whole');
}

/** carol's list on a connection that reads: its status. */
async function list(): Promise<number> {
  const conn = await RawConnection.tls(pki.bundle('carol'), gw.port);
  conn.write('GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: docker\r\n\r\n');
  const r = await conn.response({ timeoutMs: 30_000 });
  conn.close();
  return r.status;
}

describe('answers tenancy builds, not read by their clients', () => {
  it('with one big list unread, the next gets 429 identity-answer-budget; once it is read, lists are served again', async () => {
    const unread = await unreadList();
    try {
      expect(await list()).toBe(429);
      const record = await until(() => gw.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.status === 429), 10_000, 'the 429 record');
      expect(record).toMatchObject({ operation: 'ContainerList', decision: 'malformed' });
      expect(String(record.reason)).toMatch(/^identity-answer-budget: dockgate: answers to your requests that you have not read yet hold \d+ bytes/);
      // Read the first answer whole: its bytes are given back once they have left the gateway,
      // which they have when the client has them all.
      const answer = await readAnswer(unread);
      expect(answer.status).toBe(200);
      expect(answer.bodyLength).toBeGreaterThan(9_000_000);
      expect(await list()).toBe(200);
    } finally {
      unread.destroy();
    }
  }, 60_000);
});
