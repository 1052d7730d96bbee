/**
 * The admin listener after a reload that changed `admin.tls.ca`: real TLS, certificates made by
 * the project's PKI code. Open keep-alive connections whose client chain leads to no CA of the
 * new bundle are closed by the reload, which says how many in a warning; connections still
 * trusted stay and are served, a scraper's own self-signed certificate pinned in the bundle
 * among them. A handshake under way during the reload is verified against the old bundle, so
 * it is checked against the new one when it completes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer, type AdminTlsReload } from '../../../src/admin/admin-server.js';
import { askHealthz } from './admin-probe.js';
import { heldHandshake as heldAt } from './held-handshake.js';
import { exportPrivateKeyPem, generateKeyPair } from '../../../src/pki/key-pair.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { connect, leaf, makeChain, type Pair } from '../server/tls-chain.js';

/**
 * A scraper's own self-signed certificate, as one pins it in `admin.tls.ca`: not a CA, and
 * with a key usage (digitalSignature) that does not allow signing certificates.
 */
async function selfSigned(cn: string): Promise<Pair> {
  const { keys, algorithm } = await generateKeyPair('ecdsa');
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0e04',
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: algorithm.signing,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys.privateKey), serial: '0e04' };
}

describe('admin listener after admin.tls.ca changes', async () => {
  const a = await makeChain();
  const b = await makeChain();
  // Clients send only their own certificate: an intermediate comes from the bundle.
  const team = await leaf(a.int, 'prometheus', '0c02');
  const rooted = await leaf(a.root, 'node-exporter-scraper', '0c03');
  const other = await leaf(b.root, 'grafana-agent', '0d03');
  const pinned = await selfSigned('vmagent');
  const everyone = a.int.bundlePem + b.root.certPem + pinned.certPem;
  let dir: string;
  let caFile: string;
  let server: AdminServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockgate-admin-ca-'));
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, everyone);
    await writeFile(join(dir, 'cert.pem'), a.server.certPem);
    await writeFile(join(dir, 'key.pem'), a.server.keyPem);
    server = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 }, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: caFile } },
      registry: new Registry(),
      readiness: async () => ({ ready: true, checks: {} }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Put `pem` in `admin.tls.ca` and reload; what the reload reports. */
  async function reloadWith(pem: string): Promise<AdminTlsReload> {
    await writeFile(caFile, pem);
    return server.reloadTls();
  }

  /** Open a keep-alive connection as `client` (the server's certificate is of A's root). */
  async function open(client: Pair, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
    const socket = await connect(server.address.port, a.root.certPem, client, options);
    socket.on('error', () => {});
    return socket;
  }


  /** Whether a new handshake as `client` is refused (TLS 1.2: the refusal is part of the handshake). */
  async function refused(client: Pair): Promise<boolean> {
    try {
      (await open(client, { maxVersion: 'TLSv1.2' })).destroy();
      return false;
    } catch {
      return true;
    }
  }

  /** Connections of every scraper, each served once. */
  async function openAll(): Promise<Record<'team' | 'rooted' | 'other' | 'pinned', tls.TLSSocket>> {
    const sockets = { team: await open(team), rooted: await open(rooted), other: await open(other), pinned: await open(pinned) };
    for (const socket of Object.values(sockets)) expect(await askHealthz(socket)).toBe('HTTP/1.1 200 OK');
    return sockets;
  }

  /** Ask once on each connection: which still answer. */
  async function served(sockets: Record<string, tls.TLSSocket>): Promise<string[]> {
    const answers = await Promise.all(Object.entries(sockets).map(async ([name, socket]) => [name, await askHealthz(socket)] as const));
    return answers.filter(([, line]) => line === 'HTTP/1.1 200 OK').map(([name]) => name);
  }

  it('another CA altogether: the connections of the old CA\'s scrapers are closed and counted; the new CA\'s and the pinned scraper\'s are served', async () => {
    // The test chains' roots share one name (tls-chain.ts makeChain): a warning says each needs its own CRL.
    expect(await reloadWith(everyone)).toEqual({ warnings: [expect.stringContaining('are CAs of one name'), expect.stringContaining('not a CA certificate')], closedUntrusted: 0 });
    const sockets = await openAll();
    try {
      const reload = await reloadWith(b.root.certPem + pinned.certPem);
      expect(await served(sockets)).toEqual(['other', 'pinned']);
      expect(reload.closedUntrusted).toBe(2);
      expect(await refused(team)).toBe(true);
      expect(await refused(other)).toBe(false);
    } finally {
      for (const socket of Object.values(sockets)) socket.destroy();
    }
  });

  it('the intermediate dropped: its scraper goes (its chain went through the old bundle), the root\'s stays', async () => {
    await reloadWith(everyone);
    const sockets = await openAll();
    try {
      const reload = await reloadWith(a.root.certPem + b.root.certPem + pinned.certPem);
      expect(await served(sockets)).toEqual(['rooted', 'other', 'pinned']);
      expect(reload.closedUntrusted).toBe(1);
      expect(await refused(team)).toBe(true);
    } finally {
      for (const socket of Object.values(sockets)) socket.destroy();
    }
  });

  it('the root dropped, the intermediate kept: the admin handshake is not in partial-chain mode, so both of A\'s scrapers go', async () => {
    await reloadWith(everyone);
    const sockets = await openAll();
    try {
      const reload = await reloadWith(a.int.certPem + b.root.certPem + pinned.certPem);
      expect(await served(sockets)).toEqual(['other', 'pinned']);
      expect(reload.closedUntrusted).toBe(2);
      expect(await refused(team)).toBe(true);
      expect(await refused(rooted)).toBe(true);
    } finally {
      for (const socket of Object.values(sockets)) socket.destroy();
    }
  });

  it('the same CAs in another order: nothing is closed', async () => {
    await reloadWith(everyone);
    const sockets = await openAll();
    try {
      const reload = await reloadWith(pinned.certPem + b.root.certPem + a.root.certPem + a.int.certPem);
      expect(await served(sockets)).toEqual(['team', 'rooted', 'other', 'pinned']);
      expect(reload.closedUntrusted).toBe(0);
    } finally {
      for (const socket of Object.values(sockets)) socket.destroy();
    }
  });

  /** A handshake as `client` held after the server's first answer (held-handshake.ts). */
  const heldHandshake = (client: Pair) => heldAt(server.address.port, a.root.certPem, client);

  it('a handshake under way during the reload completes against the old bundle, and is closed when its chain leads to no CA of the new one', async () => {
    await reloadWith(everyone);
    const untrusted = heldHandshake(team);
    const trusted = heldHandshake(other);
    try {
      await Promise.all([untrusted.answered, trusted.answered]);
      // No connection is open yet: the reload closes nothing.
      expect((await reloadWith(b.root.certPem + pinned.certPem)).closedUntrusted).toBe(0);
      untrusted.release();
      trusted.release();
      const [gone, stays] = await Promise.all([untrusted.secured, trusted.secured]);
      try {
        expect(await askHealthz(stays)).toBe('HTTP/1.1 200 OK');
        expect(await askHealthz(gone)).toBe('');
      } finally {
        gone.destroy();
        stays.destroy();
      }
    } finally {
      untrusted.release();
      trusted.release();
    }
  });
});
