/**
 * The admin listener's CRL (`admin.tls.crl`) and reload: real TLS with a root and an
 * intermediate made by the project's PKI code. A scraper revoked by a reloaded CRL loses its
 * open keep-alive connection at its next request and cannot handshake again; others go on; a
 * reload with bad files keeps the previous material; a CRL not valid yet is held, its
 * revocations applied by the listener itself (crl-pending.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAdminServer, type AdminServer } from '../../../src/admin/admin-server.js';
import { askHealthz } from './admin-probe.js';
import { connect, crlOf, leaf, makeChain, type Pair } from '../server/tls-chain.js';
import type { CaSigner } from '../../../src/pki/ca.js';
import { crlPem } from '../../../src/pki/crl.js';
import { x509 } from '../../../src/pki/webcrypto.js';

describe('admin listener with a CRL', async () => {
  const chain = await makeChain();
  const scraper = await leaf(chain.int, 'prometheus', '0c02');
  const other = await leaf(chain.int, 'grafana-agent', '0d03');
  const crls = async (revoked: string[]) => (await crlOf(chain.root, [])) + (await crlOf(chain.int, revoked));
  let dir: string;
  let server: AdminServer;
  const closedRevoked: Array<{ cn?: string; serial: string }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockgate-admin-crl-'));
    await writeFile(join(dir, 'ca.pem'), chain.int.bundlePem);
    await writeFile(join(dir, 'cert.pem'), chain.server.certPem);
    await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
    await writeFile(join(dir, 'crl.pem'), await crls([]));
    server = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 }, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem'), crl: join(dir, 'crl.pem') } },
      registry: new Registry(),
      readiness: async () => ({ ready: true, checks: {} }),
      revokedClosed: (certificate) => closedRevoked.push(certificate),
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** GET /healthz as `client` through `agent`: the status, or the error's code. */
  function healthz(client: Pair, agent: false): Promise<number | string> {
    return new Promise((resolve) => {
      const req = https.request(
        { host: '127.0.0.1', port: server.address.port, path: '/healthz', servername: 'localhost', ca: chain.root.certPem, cert: client.certPem, key: client.keyPem, agent },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
  }


  it('a reloaded CRL closes the revoked scraper\'s open connection at its next request and refuses its handshakes; others go on', async () => {
    const open = await connect(server.address.port, chain.root.certPem, scraper);
    open.on('error', () => {});
    try {
      expect(await askHealthz(open)).toBe('HTTP/1.1 200 OK');
      expect(await askHealthz(open)).toBe('HTTP/1.1 200 OK');

      await writeFile(join(dir, 'crl.pem'), await crls([scraper.serial]));
      expect(await server.reloadTls()).toEqual({ warnings: [], closedUntrusted: 0 });
      // The connection opened before the reload: closed, no answer; and said (rev-crl F5).
      expect(await askHealthz(open)).toBe('');
      expect(closedRevoked).toEqual([{ cn: 'prometheus', serial: scraper.serial.toLowerCase() }]);
      // A new handshake: OpenSSL refuses the revoked certificate (in TLS 1.2 the refusal is
      // part of the handshake, so this is not the per-request check above).
      await expect(connect(server.address.port, chain.root.certPem, scraper, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
      expect(await healthz(scraper, false)).not.toBe(200);
      expect(await healthz(other, false)).toBe(200);
    } finally {
      open.destroy();
      await writeFile(join(dir, 'crl.pem'), await crls([]));
      await server.reloadTls();
    }
  });

  it('a reload whose key does not match its certificate throws and keeps the previous material', async () => {
    const stranger = await leaf(chain.root, 'localhost', '77', 'server');
    await writeFile(join(dir, 'key.pem'), stranger.keyPem);
    try {
      await expect(server.reloadTls()).rejects.toThrow(/private key does not match/);
      expect(await healthz(scraper, false)).toBe(200);
    } finally {
      await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
    }
  });

  it.each([
    ['not valid yet', { notBefore: new Date(Date.now() + 3_600_000), notAfter: new Date(Date.now() + 86_400_000) }, /is not valid before .* \(notBefore\)/, true],
    ['expired', { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() - 3_600_000) }, /expired on .* \(notAfter\)/, false],
  ])('a reload whose new server certificate is %s keeps the one in force, and puts its CRL in force', async (_label, dates, message, pending) => {
    const outOfDate = await leaf(chain.root, 'localhost', '78', 'server', undefined, dates);
    await writeFile(join(dir, 'cert.pem'), outOfDate.certPem);
    await writeFile(join(dir, 'key.pem'), outOfDate.keyPem);
    await writeFile(join(dir, 'crl.pem'), await crls([other.serial]));
    try {
      const reload = await server.reloadTls();
      expect(reload.refusedServerCertificate?.message).toMatch(message);
      expect(reload.refusedServerCertificate?.validFrom !== undefined).toBe(pending);
      // The certificate in force serves on (the scraper verifies it); the CRL of the same reload applies.
      expect(await healthz(scraper, false)).toBe(200);
      expect(await healthz(other, false)).not.toBe(200);
    } finally {
      await writeFile(join(dir, 'cert.pem'), chain.server.certPem);
      await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
      await writeFile(join(dir, 'crl.pem'), await crls([]));
      await server.reloadTls();
    }
  });

  it('a reload with a new valid server certificate puts it in force', async () => {
    const fresh = await leaf(chain.root, 'localhost', '79', 'server');
    await writeFile(join(dir, 'cert.pem'), fresh.certPem);
    await writeFile(join(dir, 'key.pem'), fresh.keyPem);
    try {
      const reload = await server.reloadTls();
      expect(reload.refusedServerCertificate).toBeUndefined();
      const served = await new Promise<string>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port: server.address.port, path: '/healthz', servername: 'localhost', ca: chain.root.certPem, cert: scraper.certPem, key: scraper.keyPem, agent: false }, (res) => {
          resolve((res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber);
          res.resume();
        });
        req.on('error', reject);
        req.end();
      });
      expect(served.toLowerCase().replace(/^0+/, '')).toBe('79');
    } finally {
      await writeFile(join(dir, 'cert.pem'), chain.server.certPem);
      await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
      await server.reloadTls();
    }
  });

  it('a reload with an older CRL of the same CA (a rollback) throws and keeps the newer one', async () => {
    const older = new Date(Date.now() - 3_600_000);
    await writeFile(join(dir, 'crl.pem'), (await crlOf(chain.root, [], older)) + (await crlOf(chain.int, [other.serial], older)));
    try {
      await expect(server.reloadTls()).rejects.toThrow(/before the one in force/);
      expect(await healthz(other, false)).toBe(200);
    } finally {
      await writeFile(join(dir, 'crl.pem'), await crls([]));
    }
  });

  it('a reload without the intermediate\'s CRL, then one with its older CRL: refused, the revoked scraper stays out (rev-crl F1)', async () => {
    const older = new Date(Date.now() - 3_600_000);
    await writeFile(join(dir, 'crl.pem'), await crls([other.serial]));
    try {
      await server.reloadTls();
      expect(await healthz(other, false)).not.toBe(200);
      // A half-done edit: the intermediate's CRL missing (its scrapers refused, UNABLE_TO_GET_CRL).
      await writeFile(join(dir, 'crl.pem'), await crlOf(chain.root, []));
      await server.reloadTls();
      // Its older CRL, from before the revocation: the gateway remembers the newer one.
      await writeFile(join(dir, 'crl.pem'), (await crlOf(chain.root, [])) + (await crlOf(chain.int, [], older)));
      await expect(server.reloadTls()).rejects.toThrow(/before the newest loaded since the gateway started/);
      expect(await healthz(other, false)).not.toBe(200);
    } finally {
      await writeFile(join(dir, 'crl.pem'), await crls([]));
      await server.reloadTls();
    }
  });

  it('a reload with a CRL signed by no CA of the bundle throws and keeps the previous CRL', async () => {
    const outsider = await makeChain();
    await writeFile(join(dir, 'crl.pem'), await crlOf(outsider.root, [other.serial]));
    try {
      await expect(server.reloadTls()).rejects.toThrow();
      expect(await healthz(other, false)).toBe(200);
    } finally {
      await writeFile(join(dir, 'crl.pem'), await crls([]));
    }
  });
});

describe('admin listener with a reloaded CRL not valid yet', async () => {
  const chain = await makeChain();
  const scraper = await leaf(chain.int, 'prometheus', '0c02');
  const other = await leaf(chain.int, 'grafana-agent', '0d03');
  // The CRLs in force at start: an hour old, so a CRL dated now is newer than them.
  const hourAgo = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  const crls = async (revoked: string[], thisUpdate: Date) => (await crlOf(chain.root, [], hourAgo)) + (await crlOf(chain.int, revoked, thisUpdate));
  let dir: string;
  let server: AdminServer;
  const closedRevoked: Array<{ cn?: string; serial: string }> = [];
  const refused: Array<{ reason: string; detail: string }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockgate-admin-crl-pending-'));
    await writeFile(join(dir, 'ca.pem'), chain.int.bundlePem);
    await writeFile(join(dir, 'cert.pem'), chain.server.certPem);
    await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
    await writeFile(join(dir, 'crl.pem'), await crls([], hourAgo));
    server = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 }, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem'), crl: join(dir, 'crl.pem') } },
      registry: new Registry(),
      readiness: async () => ({ ready: true, checks: {} }),
      revokedClosed: (certificate) => closedRevoked.push(certificate),
      handshakes: { handshakeFailed: (reason, detail) => refused.push({ reason, detail }), sourceBlocked: () => {} },
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** GET /healthz as `client` on a new connection: the status, or the error's code. */
  function healthz(client: Pair): Promise<number | string> {
    return new Promise((resolve) => {
      const req = https.request(
        { host: '127.0.0.1', port: server.address.port, path: '/healthz', servername: 'localhost', ca: chain.root.certPem, cert: client.certPem, key: client.keyPem, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
  }

  it('is held: scrapers get in, its revocation cuts the open connection and refuses the handshake, and no reload goes behind it', async () => {
    const soon = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const open = await connect(server.address.port, chain.root.certPem, other);
    open.on('error', () => {});
    try {
      expect(await askHealthz(open)).toBe('HTTP/1.1 200 OK');
      // The intermediate's CRL signed on a host whose clock runs an hour ahead, revoking `other`.
      await writeFile(join(dir, 'crl.pem'), await crls([other.serial], soon));
      const reload = await server.reloadTls();
      expect(reload.pendingCrl?.validFrom).toEqual(soon);
      expect(reload.pendingCrl?.message).toMatch(/^admin\.tls\.crl \S*crl\.pem: the new CRL of ".*" \(thisUpdate .*\) is not valid yet, and OpenSSL would refuse every client of that CA until then \(CRL_NOT_YET_VALID\)/);
      // Put in force, OpenSSL would refuse every scraper of the intermediate (CRL_NOT_YET_VALID).
      expect(await healthz(scraper)).toBe(200);
      // `other`, revoked by the held CRL: its open connection is cut at its next request...
      expect(await askHealthz(open)).toBe('');
      expect(closedRevoked).toEqual([{ cn: 'grafana-agent', serial: other.serial.toLowerCase() }]);
      // ...and a new handshake is refused by the listener's own check, as revoked.
      expect(await healthz(other)).not.toBe(200);
      expect(refused).toEqual([expect.objectContaining({ reason: 'revoked' })]);
      expect(refused[0]?.detail).toContain('is revoked by a CRL the admin listener checks itself');
      // The held CRL is remembered: one dated before it (but after the one in force) is refused.
      await writeFile(join(dir, 'crl.pem'), await crls([], new Date()));
      await expect(server.reloadTls()).rejects.toThrow(/before the one held until it is valid/);
      expect(await healthz(other)).not.toBe(200);
      expect(await healthz(scraper)).toBe(200);
      // Read again unchanged (the retry at its thisUpdate, early): held again, nothing else changes.
      await writeFile(join(dir, 'crl.pem'), await crls([other.serial], soon));
      expect((await server.reloadTls()).pendingCrl?.validFrom).toEqual(soon);
      expect(await healthz(scraper)).toBe(200);
    } finally {
      open.destroy();
    }
  });
});

describe('admin listener with an expired CRL (rev-observe F1)', async () => {
  const chain = await makeChain();
  const scraper = await leaf(chain.int, 'prometheus', '0e04');
  const now = Date.now();
  /** A CRL of `ca` that ended a day ago. */
  const expired = async (ca: CaSigner): Promise<string> =>
    crlPem(await x509.X509CrlGenerator.create({ issuer: ca.cert.subjectName, thisUpdate: new Date(now - 10 * 86_400_000), nextUpdate: new Date(now - 86_400_000), signingKey: ca.key, signingAlgorithm: ca.algorithm.signing, entries: [] }));
  let dir: string;
  let server: AdminServer;
  const refused: Array<{ reason: string; detail: string }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockgate-admin-crl-expired-'));
    await writeFile(join(dir, 'ca.pem'), chain.int.bundlePem);
    await writeFile(join(dir, 'cert.pem'), chain.server.certPem);
    await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
    await writeFile(join(dir, 'crl.pem'), (await crlOf(chain.root, [])) + (await expired(chain.int)));
    server = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 }, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem'), crl: join(dir, 'crl.pem') } },
      registry: new Registry(),
      readiness: async () => ({ ready: true, checks: {} }),
      handshakes: { handshakeFailed: (reason, detail) => refused.push({ reason, detail }), sourceBlocked: () => {} },
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the scraper, and the refusal names admin.tls.crl and scrapers, not the Docker listener\'s tls.crl and clients', async () => {
    await expect(connect(server.address.port, chain.root.certPem, scraper, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
    await vi.waitFor(() => expect(refused.length).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    expect(refused[0]).toMatchObject({ reason: 'other' });
    expect(refused[0]?.detail).toContain("CRL_HAS_EXPIRED (a problem with the gateway's admin.tls.crl: every scraper is refused until it is fixed)");
  });

  it('its material in force names the CRL\'s end and file for the expiry warnings and gauge', () => {
    const inForce = server.tlsInForce();
    expect(inForce?.expiring).toContainEqual(expect.objectContaining({ kind: 'CRL', file: join(dir, 'crl.pem'), expires: new Date(Math.floor((now - 86_400_000) / 1000) * 1000) }));
    expect(inForce?.expiring).toContainEqual(expect.objectContaining({ kind: 'server certificate', file: join(dir, 'cert.pem') }));
    expect(inForce?.caNotAfter.length).toBe(2);
  });
});
