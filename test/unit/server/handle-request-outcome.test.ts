/**
 * The outcome recorded when the gateway fails after the policy allowed a request: a tenancy
 * look-up on the daemon that failed means nothing was forwarded, so the record says `error`
 * (as the upgrade path does), keeping the allow rule. The real request handler and built-in
 * policy; the forwarder, the observer and tenancy are stand-ins.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import type { RequestRecord } from '../../../src/core/observer.js';

vi.mock('../../../src/server/peer-identity.js', () => ({
  identityOf: () => ({ name: 'admin', groups: [], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: 'aa', serial: '01', issuer: 'CN=x', notAfter: new Date(Date.now() + 1e9) }),
}));
const { createRequestHandler } = await import('../../../src/server/handle-request.js');
const { loadGatekeeper } = await import('../../../src/runtime/policy-gatekeeper.js');

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

it('a tenancy look-up that fails after the policy allowed the request is recorded as error 502, with the allow rule', async () => {
  const records: RequestRecord[] = [];
  let forwarded = 0;
  const observer = {
    connectionOpened() {},
    connectionClosed() {},
    handshakeFailed() {},
    clientSeen() {},
    upstreamError() {},
    streamOpened: () => () => {},
    requestFinished: (r: RequestRecord) => records.push(r),
  };
  const forwarder = { forward: () => (forwarded += 1), ended() {}, close() {} };
  const tenancy = { active: () => true, admit: () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')) };
  const gatekeeper = loadGatekeeper(undefined);
  const handler = createRequestHandler({
    gatekeeper: () => gatekeeper,
    forwarder: forwarder as never,
    observer: observer as never,
    bodyLimit: 1 << 20,
    bodyTimeoutMs: 30_000,
    draining: () => false,
    tenancy: tenancy as never,
  });
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.41/containers/json`);
  expect(res.status).toBe(502);
  expect(await res.text()).toContain('tenancy lookup on the daemon failed');
  for (let i = 0; i < 50 && records.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(forwarded).toBe(0);
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({ outcome: 'error', status: 502, decision: { outcome: 'allow' } });
  expect(records[0]?.reason).toMatch(/^upstream-failed: dockgate: tenancy lookup on the daemon failed/);
});
