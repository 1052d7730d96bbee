/**
 * Overlapping admin TLS reloads, with the real admin listener and the real reload: the first
 * read is held (after it read the files) until a newer reload has finished. As on the Docker
 * listener, the overtaken one must not say it loaded material, nor set the reload gauge.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAdminServer, type AdminServer } from '../../../src/admin/admin-server.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { createAdminListenerTlsReload } from '../../../src/runtime/admin-tls-reload.js';
import { leaf, makeChain, type Pair } from '../server/tls-chain.js';
import { holdNextRead } from './held-reads.js';
import { recorder } from './log-recorder.js';

vi.mock('../../../src/admin/admin-tls.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/admin/admin-tls.js')>();
  const { heldLoader } = await import('./held-reads.js');
  return { ...real, loadAdminTls: heldLoader(real.loadAdminTls) };
});

describe('admin TLS reloads that overlap', async () => {
  const chain = await makeChain();
  const fresh = await leaf(chain.root, 'localhost', '7a', 'server');
  const expired = await leaf(chain.root, 'localhost', '7b', 'server', undefined, { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() - 3_600_000) });
  let dir: string;
  let server: AdminServer;
  const writePair = async (pair: Pair, key = pair.keyPem): Promise<void> => {
    await writeFile(join(dir, 'cert.pem'), pair.certPem);
    await writeFile(join(dir, 'key.pem'), key);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockgate-admin-reloads-'));
    await writePair(chain.server);
    server = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 }, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } },
      registry: new Registry(),
      readiness: async () => ({ ready: true, checks: {} }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The reload under test, its log and its `dockgate_admin_tls_last_reload_successful`. */
  function reloadUnderTest() {
    const registry = new Registry();
    const metrics = createMetrics(registry, { identityLabel: false, version: 't' });
    const { lines, log } = recorder();
    const reload = createAdminListenerTlsReload({ admin: server, metrics, log, files: [] });
    const gauge = async (): Promise<number | undefined> => (await registry.getSingleMetric('dockgate_admin_tls_last_reload_successful')?.get())?.values[0]?.value;
    const said = (msg: string): number => lines.filter((l) => l.msg === msg).length;
    return { reload, gauge, said, lines };
  }

  it('one a newer reload overtook says nothing: no second "admin TLS material loaded", and the gauge keeps the newer one\'s failure', async () => {
    const { reload, gauge, said, lines } = reloadUnderTest();
    await writePair(fresh);
    const held = holdNextRead();
    const older = reload.reload();
    await held.read;
    // The newer reload reads an expired server certificate: refused, the one in force serves on.
    await writePair(expired);
    await reload.reload();
    expect(await gauge()).toBe(0);
    held.release();
    await older;
    expect(said('admin TLS material loaded')).toBe(1);
    expect(lines.filter((l) => (l.obj as { event?: string }).event === 'server-certificate-refused')).toHaveLength(1);
    expect(await gauge()).toBe(0);
    expect(server.tlsInForce()?.server.serial).not.toBe('7a');
    await writePair(chain.server);
    await reload.reload();
  });

  it('one that fails after a newer reload finished changes nothing: the gauge keeps the newer one\'s success', async () => {
    const { reload, gauge, said } = reloadUnderTest();
    // The older reload reads a key that does not match its certificate.
    await writePair(fresh, expired.keyPem);
    const held = holdNextRead();
    const older = reload.reload();
    await held.read;
    await writePair(fresh);
    await reload.reload();
    expect(await gauge()).toBe(1);
    held.release();
    await older;
    expect(await gauge()).toBe(1);
    expect(said('admin TLS reload failed; the previous certificates and CRL stay in force')).toBe(0);
    expect(said('admin TLS reload failed, but a newer reload has finished since; nothing changes')).toBe(1);
    expect(server.tlsInForce()?.server.serial).toBe('7a');
    await writePair(chain.server);
    await reload.reload();
  });

  // The admin listener installs inside AdminServer.reloadTls; the runtime learns of it one
  // microtask later, when its await resumes. Both reads finishing in one tick (the newer one's
  // first) puts the older one's failure right after the newer install: it must still read as
  // behind it, not as the newest word on the files (the log's error and gauge 0).
  it('one that fails in the same tick a newer reload installed, right after it, changes nothing either', async () => {
    const { reload, gauge, said } = reloadUnderTest();
    await writePair(fresh, expired.keyPem);
    const heldOlder = holdNextRead();
    const older = reload.reload();
    await heldOlder.read;
    await writePair(fresh);
    const heldNewer = holdNextRead();
    const newer = reload.reload();
    await heldNewer.read;
    heldNewer.release();
    heldOlder.release();
    await Promise.all([older, newer]);
    expect(said('admin TLS reload failed; the previous certificates and CRL stay in force')).toBe(0);
    expect(said('admin TLS reload failed, but a newer reload has finished since; nothing changes')).toBe(1);
    expect(await gauge()).toBe(1);
    expect(server.tlsInForce()?.server.serial).toBe('7a');
    await writePair(chain.server);
    await reload.reload();
  });
});
