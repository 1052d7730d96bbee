/**
 * The certificates work where it matters: a real TLS 1.2+ handshake in Node, server with the
 * server certificate, client with an issued bundle, and the CRL enforced by Node's `crl`
 * option (what the gateway's listener uses).
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { beforeAll, describe, expect, test } from 'vitest';
import { initPki } from '../../../src/pki/init-pki.js';
import { issueClient } from '../../../src/pki/issue-client.js';
import { refreshCrl, revokeCert } from '../../../src/pki/revoke-cert.js';
import { tempDirs } from './helpers.js';

const tmp = tempDirs();

interface HandshakeResult {
  /** What the server concluded about the client. */
  server: { authorized: boolean; error?: string; subject?: tls.PeerCertificate['subject'] } | undefined;
  /** Error the client saw, if the handshake or first read failed. */
  clientError?: string;
  /** Data the client received (the server echoes "hello" once authorized). */
  received: string;
}

/**
 * One handshake: server (optionally with a CRL) on port 0, client with a bundle. With
 * `rejectUnauthorized` false the server accepts anyway and reports OpenSSL's verdict.
 */
async function handshake(dir: string, bundle: string, crl?: string, rejectUnauthorized = true): Promise<HandshakeResult> {
  const read = (f: string) => readFile(f);
  const server = tls.createServer({
    key: await read(join(dir, 'server-key.pem')),
    cert: await read(join(dir, 'server-cert.pem')),
    ca: await read(join(dir, 'ca.pem')),
    crl: crl === undefined ? undefined : await read(crl),
    requestCert: true,
    rejectUnauthorized,
    minVersion: 'TLSv1.2',
  });
  let seen: HandshakeResult['server'];
  server.on('secureConnection', (socket) => {
    seen = { authorized: socket.authorized, error: socket.authorizationError?.toString(), subject: socket.getPeerCertificate().subject };
    socket.end(socket.authorized ? 'hello' : '');
  });
  server.on('tlsClientError', (err) => {
    seen = { authorized: false, error: err.message };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const [ca, cert, key] = await Promise.all([read(join(bundle, 'ca.pem')), read(join(bundle, 'cert.pem')), read(join(bundle, 'key.pem'))]);
  const outcome = await new Promise<Omit<HandshakeResult, 'server'>>((resolve) => {
    let received = '';
    let clientError: string | undefined;
    // The client verifies the server against the bundle's ca.pem and name "localhost".
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, cert, key });
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', (err) => (clientError = err.message));
    socket.on('close', () => resolve({ clientError, received }));
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { ...outcome, server: seen };
}

describe('TLS handshake with issued certificates', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    await initPki({ dir, hosts: [] });
    await issueClient({ dir, name: 'alice', groups: ['dev', 'ops'] });
    await issueClient({ dir, name: 'bob' });
  });

  test('a client with an issued bundle is authorized and its groups arrive in order', async () => {
    const r = await handshake(dir, join(dir, 'clients/alice'));
    expect(r.clientError).toBeUndefined();
    expect(r.received).toBe('hello');
    expect(r.server?.authorized).toBe(true);
    expect(r.server?.subject?.CN).toBe('alice');
    expect(r.server?.subject?.OU).toEqual(['dev', 'ops']);
  });

  test('the CRL written at init lets everyone in', async () => {
    const r = await handshake(dir, join(dir, 'clients/alice'), join(dir, 'crl.pem'));
    expect(r.received).toBe('hello');
  });

  test('after revoke, the same bundle is refused at the handshake and another still works', async () => {
    await revokeCert({ dir, nameOrSerial: 'alice', reason: 'affiliationChanged' });
    const refused = await handshake(dir, join(dir, 'clients/alice'), join(dir, 'crl.pem'));
    expect(refused.received).toBe('');
    expect(refused.server?.authorized).toBe(false);
    const verdict = await handshake(dir, join(dir, 'clients/alice'), join(dir, 'crl.pem'), false);
    expect(verdict.server?.error).toBe('CERT_REVOKED');
    const bob = await handshake(dir, join(dir, 'clients/bob'), join(dir, 'crl.pem'));
    expect(bob.received).toBe('hello');
    expect(bob.server?.authorized).toBe(true);
  });
});

describe('CRL expiry', () => {
  test('a CRL past its nextUpdate refuses every client; re-signing it (certs crl) restores access', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: [] });
    await issueClient({ dir, name: 'carol' });
    await refreshCrl({ dir, crlDays: 30, now: new Date(Date.now() - 40 * 86400_000) });
    const expired = await handshake(dir, join(dir, 'clients/carol'), join(dir, 'crl.pem'), false);
    expect(expired.server?.authorized).toBe(false);
    expect(expired.server?.error).toBe('CRL_HAS_EXPIRED');
    await refreshCrl({ dir });
    const ok = await handshake(dir, join(dir, 'clients/carol'), join(dir, 'crl.pem'));
    expect(ok.received).toBe('hello');
  });
});
