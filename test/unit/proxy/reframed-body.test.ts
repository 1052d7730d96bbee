/**
 * DELETE and OPTIONS bodies without a Content-Length: http-proxy would send them after a
 * `Content-Length: 0` head, where dockerd reads them as another request. The predicate is
 * checked in a table; the forwarder's own refusal against a stand-in daemon on a unix socket
 * that records every byte it is sent (the request handler refuses these first: end-to-end in
 * test/e2e/raw-http.test.ts against the real dockerd).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyWouldBeReframed } from '../../../src/proxy/reframed-body.js';
import { forwarderRig } from './forwarder-rig.js';

describe('bodyWouldBeReframed', () => {
  const cases: Array<[string, IncomingHttpHeaders, boolean]> = [
    ['DELETE', { 'transfer-encoding': 'chunked' }, true],
    ['OPTIONS', { 'transfer-encoding': 'chunked' }, true],
    ['DELETE', { 'transfer-encoding': 'gzip, chunked' }, true],
    ['DELETE', { 'content-length': '12' }, false],
    ['DELETE', { 'content-length': '0' }, false],
    ['DELETE', {}, false],
    ['OPTIONS', {}, false],
    ['POST', { 'transfer-encoding': 'chunked' }, false],
    ['PUT', { 'transfer-encoding': 'chunked' }, false],
    ['GET', { 'transfer-encoding': 'chunked' }, false],
    ['HEAD', { 'transfer-encoding': 'chunked' }, false],
  ];
  it.each(cases)('%s %j -> %s', (method, headers, want) => {
    expect(bodyWouldBeReframed(method, headers)).toBe(want);
  });
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A gateway-side server that forwards every request; the stand-in daemon answers 200 to each head it sees. */
async function setup() {
  let daemonBytes = '';
  const errors: string[] = [];
  const { port } = await forwarderRig(
    cleanups,
    (s) =>
      s.on('data', (d: Buffer) => {
        daemonBytes += d.toString('latin1');
        for (const _ of d.toString('latin1').matchAll(/ HTTP\/1\.1\r\n/g)) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }),
    (forwarder, req, res) => forwarder.forward(req, res, { onHeaders: () => undefined, onError: (kind) => errors.push(kind) }, req.url ?? '/'),
  );
  return { port, daemonBytes: () => daemonBytes, errors };
}

/** Send raw bytes, collect what comes back until the server closes or `ms` pass. */
async function exchange(port: number, raw: string, ms = 300): Promise<string> {
  const c = connect(port, '127.0.0.1');
  let got = '';
  c.on('data', (d: Buffer) => (got += d.toString('latin1')));
  c.on('error', () => undefined);
  c.write(raw);
  await new Promise((resolve) => setTimeout(resolve, ms));
  c.destroy();
  return got;
}

const inner = 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}';
const chunkedRequest = (method: string) =>
  `${method} /containers/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`;

describe('the forwarder never sends a body http-proxy re-framed', () => {
  it.each(['DELETE', 'OPTIONS'])('%s with a chunked body: 502, and the daemon is sent nothing', async (method) => {
    const { port, daemonBytes, errors } = await setup();
    const answer = await exchange(port, chunkedRequest(method));
    expect(answer).toMatch(/^HTTP\/1\.1 502 /);
    expect(errors).toEqual(['failed']);
    expect(daemonBytes()).toBe('');
  });

  it('POST with a chunked body reaches the daemon chunked, inner bytes inside the chunk (the test sees bytes)', async () => {
    const { port, daemonBytes } = await setup();
    const answer = await exchange(port, chunkedRequest('POST'));
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(daemonBytes()).toMatch(/^POST \/containers\/x HTTP\/1\.1\r\n/);
    expect(daemonBytes().toLowerCase()).toContain('transfer-encoding: chunked');
    expect(daemonBytes()).toContain(`${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`);
  });
});
