/**
 * An expired `admin.tls.crl` cuts the admin listener's open connections of its CA, as an expired
 * `tls.crl` does the Docker listener's (crl-expiry-cuts.ts): real TLS with a root and an
 * intermediate made by the project's PKI code. Which connections a sweep cuts (by chain, read
 * from the session: scrapers bind no identity); the running listener at a CRL's nextUpdate, at
 * a reload installing an expired CRL, and for a handshake under way during that reload.
 * Before, the scrapers' keep-alive connections were served on past the CRL's nextUpdate.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminConnectionChain } from '../../../src/admin/admin-crl-expiry.js';
import { startAdminServer, type AdminServer } from '../../../src/admin/admin-server.js';
import type { HandshakeFailure } from '../../../src/core/observer.js';
import type { CaSigner } from '../../../src/pki/ca.js';
import { crlPem } from '../../../src/pki/crl.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { closeCrlExpiredConnections } from '../../../src/runtime/crl-expiry-cuts.js';
import { askHealthz } from './admin-probe.js';
import { heldHandshake } from './held-handshake.js';
import { connect, leaf, listen, makeChain } from '../server/tls-chain.js';

const HOUR = 3_600_000;

/** A PEM CRL of `ca`, revoking nothing, valid from `thisUpdate` to `nextUpdate`. */
async function crlOf(ca: CaSigner, thisUpdate: Date, nextUpdate: Date): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({ issuer: ca.cert.subjectName, thisUpdate, nextUpdate, signingKey: ca.key, signingAlgorithm: ca.algorithm.signing, entries: [] });
  return crlPem(crl);
}

/** Poll `probe` every 50 ms until it holds; throw naming `what` after `ms` (a generous bound, not an assertion on time). */
async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ask GET /healthz on `socket` every 300 ms until it closes or `stop()`: an idle keep-alive
 * connection would be closed by the server's keep-alive timeout (5 s), not by a cut.
 */
function keepBusy(socket: TLSSocket): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped && (await askHealthz(socket)) !== '') await new Promise((r) => setTimeout(r, 300));
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe('admin connections of a CA whose CRL expired', async () => {
  const chain = await makeChain();
  const team = await leaf(chain.int, 'prometheus', '0c02');
  const rooted = await leaf(chain.root, 'node-exporter', '0c03');
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);

  it.each([
    { name: 'no CRL expired', afterMs: 0, cut: [] },
    { name: 'the intermediate\'s CRL expired', afterMs: 1.5 * HOUR, cut: ['prometheus (serial 0c02)'] },
    { name: 'the root\'s CRL expired too (above the intermediate)', afterMs: 3 * HOUR, cut: ['node-exporter (serial 0c03)', 'prometheus (serial 0c02)'] },
  ])('$name: the sweep cuts $cut', async ({ afterMs, cut }) => {
    // The intermediate's CRL ends an hour after now, the root's two.
    const now = Date.now();
    const material = await chain.material((await crlOf(chain.root, t0, new Date(now + 2 * HOUR))) + (await crlOf(chain.int, t0, new Date(now + HOUR))));
    const open = new Set<TLSSocket>();
    const server = await listen(material, (socket) => open.add(socket));
    try {
      const clients = await Promise.all([connect(server.port, chain.root.certPem, team), connect(server.port, chain.root.certPem, rooted)]);
      for (const c of clients) c.on('error', () => {});
      await until(() => open.size === 2, 10_000, 'both connections');
      const names: string[] = [];
      const closed = closeCrlExpiredConnections(open, material, new Date(now + afterMs), (who) => names.push(who ?? '?'), adminConnectionChain);
      expect(names.sort()).toEqual(cut);
      expect(closed).toBe(cut.length);
      expect([...open].filter((s) => s.destroyed)).toHaveLength(cut.length);
      for (const c of clients) c.destroy();
    } finally {
      await server.close();
    }
  });

  describe('the running admin listener', () => {
    let dir: string;
    let server: AdminServer | undefined;
    const cuts: Array<{ count: number; certificates: string[] }> = [];
    const refusals: Array<{ reason: HandshakeFailure; detail: string }> = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dockgate-admin-crl-expiry-'));
      await writeFile(join(dir, 'ca.pem'), chain.int.bundlePem);
      await writeFile(join(dir, 'cert.pem'), chain.server.certPem);
      await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
    });
    afterEach(async () => {
      await server?.close();
      server = undefined;
      cuts.length = 0;
      refusals.length = 0;
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    /** Start the listener with both CAs' CRLs from `t0`, the intermediate's ending at `intEnd`. */
    async function start(intEnd: Date): Promise<AdminServer> {
      await writeFile(join(dir, 'crl.pem'), (await crlOf(chain.root, t0, new Date(Date.now() + 24 * HOUR))) + (await crlOf(chain.int, t0, intEnd)));
      server = await startAdminServer({
        config: { enabled: true, listen: { host: '127.0.0.1', port: 0 }, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem'), crl: join(dir, 'crl.pem') } },
        registry: new Registry(),
        readiness: async () => ({ ready: true, checks: {} }),
        handshakes: { handshakeFailed: (reason, detail) => refusals.push({ reason, detail }), sourceBlocked: () => {} },
        crlExpiredClosed: (count, certificates) => cuts.push({ count, certificates }),
      });
      return server;
    }

    /** A keep-alive connection as `client`, served once. */
    async function served(s: AdminServer, client = team): Promise<TLSSocket> {
      const socket = await connect(s.address.port, chain.root.certPem, client);
      socket.on('error', () => {});
      expect(await askHealthz(socket)).toBe('HTTP/1.1 200 OK');
      return socket;
    }

    it('at the CRL\'s nextUpdate, with no reload, its CA\'s open connection is cut and said; the other CA\'s stays', async () => {
      // X.509 times are whole seconds: the intermediate's CRL ends 2 to 3 s from now.
      const s = await start(new Date(Math.floor(Date.now() / 1000) * 1000 + 3000));
      const mine = await served(s);
      const other = await served(s, rooted);
      const busy = [keepBusy(mine), keepBusy(other)];
      try {
        await until(() => cuts.length > 0, 30_000, 'the cut');
        expect(cuts).toEqual([{ count: 1, certificates: ['prometheus (serial 0c02): 1'] }]);
        await until(() => mine.destroyed, 10_000, 'the connection to close');
        await Promise.all(busy.map((b) => b.stop()));
        expect(other.destroyed).toBe(false);
        expect(await askHealthz(other)).toBe('HTTP/1.1 200 OK');
      } finally {
        await Promise.all(busy.map((b) => b.stop()));
        mine.destroy();
        other.destroy();
      }
    });

    it('a reload installing an expired CRL cuts its CA\'s open connection at that reload', async () => {
      const s = await start(new Date(Date.now() + 24 * HOUR));
      const mine = await served(s);
      try {
        // Signed after the CRL in force (an older one is refused as a rollback), expired already.
        const at = Math.floor(Date.now() / 1000) * 1000;
        await writeFile(join(dir, 'crl.pem'), (await crlOf(chain.root, t0, new Date(at + 24 * HOUR))) + (await crlOf(chain.int, new Date(at - 5000), new Date(at - 2000))));
        // Cut within the reload, and said in its result (the caller logs it after the reload's
        // own line), not through crlExpiredClosed, which hears of the cuts at a nextUpdate.
        expect(await s.reloadTls()).toEqual({ warnings: [], closedUntrusted: 0, crlExpiredClosed: { count: 1, certificates: ['prometheus (serial 0c02): 1'] } });
        expect(cuts).toEqual([]);
        expect(await askHealthz(mine)).toBe('');
      } finally {
        mine.destroy();
      }
    });

    it('a handshake under way during that reload is refused when it completes, as OpenSSL refuses the CA\'s new ones', async () => {
      const s = await start(new Date(Date.now() + 24 * HOUR));
      const held = heldHandshake(s.address.port, chain.root.certPem, team);
      try {
        await held.answered;
        const at = Math.floor(Date.now() / 1000) * 1000;
        await writeFile(join(dir, 'crl.pem'), (await crlOf(chain.root, t0, new Date(at + 24 * HOUR))) + (await crlOf(chain.int, new Date(at - 5000), new Date(at - 2000))));
        await s.reloadTls();
        // No connection was open: the reload's sweep cut nothing.
        expect(cuts).toEqual([]);
        held.release();
        const socket = await held.secured.catch(() => undefined);
        if (socket) expect(await askHealthz(socket)).toBe('');
        socket?.destroy();
        await until(() => refusals.length > 0, 10_000, 'the refusal');
        expect(refusals).toEqual([{ reason: 'other', detail: expect.stringMatching(/^client certificate not verified: CRL_HAS_EXPIRED \(the CRL in force of .*team CA.*, a CA of its chain, has expired since .*; it was installed while this handshake was in progress: .*admin\.tls\.crl/) }]);
      } finally {
        held.release();
      }
    });
  });
});
