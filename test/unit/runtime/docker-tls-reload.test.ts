/**
 * Overlapping TLS reloads of the Docker listener, with the real reload and the real loading of
 * the files: the first read is held (after it read the files) until a newer reload has finished.
 * The overtaken one must not set its read again (one is pending at a time: it would replace the
 * newer one's).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewayConfig, TlsConfig } from '../../../src/config/types.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { createDockerTlsReload, dockerTlsState } from '../../../src/runtime/docker-tls-reload.js';
import type { GatewayServer } from '../../../src/server/gateway-server.js';
import { loadTlsMaterial, type TlsMaterial } from '../../../src/server/tls-material.js';
import { leaf, makeChain, type Pair } from '../server/tls-chain.js';
import { holdNextRead } from './held-reads.js';
import { recorder } from './log-recorder.js';

/** Every date a read again was set for. */
const gate = vi.hoisted(() => ({ retries: [] as Date[] }));

vi.mock('../../../src/server/tls-material.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/server/tls-material.js')>();
  const { heldLoader } = await import('./held-reads.js');
  return { ...real, loadTlsMaterial: heldLoader(real.loadTlsMaterial) };
});

vi.mock('../../../src/runtime/server-certificate-dates.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/runtime/server-certificate-dates.js')>();
  return {
    ...real,
    createReloadRetry() {
      const retry = real.createReloadRetry();
      return {
        at(when: Date, reload: () => void) {
          gate.retries.push(when);
          retry.at(when, reload);
        },
        cancel: () => retry.cancel(),
      };
    },
  };
});

const DAY_MS = 86_400_000;

describe('Docker listener TLS reloads that overlap', async () => {
  const chain = await makeChain();
  // Server certificates issued ahead: valid from tomorrow, and from the day after.
  const tomorrowFrom = new Date(Math.floor(Date.now() / 1000) * 1000 + DAY_MS);
  const notAfter = new Date(tomorrowFrom.getTime() + 10 * DAY_MS);
  const tomorrow = await leaf(chain.root, 'localhost', '8a', 'server', undefined, { notBefore: tomorrowFrom, notAfter });
  const dayAfter = await leaf(chain.root, 'localhost', '8b', 'server', undefined, { notBefore: new Date(tomorrowFrom.getTime() + DAY_MS), notAfter });
  let dir: string;
  let tlsConfig: TlsConfig;
  const writePair = async (pair: Pair): Promise<void> => {
    await writeFile(join(dir, 'cert.pem'), pair.certPem);
    await writeFile(join(dir, 'key.pem'), pair.keyPem);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockgate-docker-reloads-'));
    await writeFile(join(dir, 'ca.pem'), chain.int.bundlePem);
    await writePair(chain.server);
    tlsConfig = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), partialChain: false };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('one a newer reload overtook sets no retry: the read again in force is the newer one\'s, at its earlier date', async () => {
    const start = await loadTlsMaterial(tlsConfig);
    const state = dockerTlsState(start, new Date());
    const installed: TlsMaterial[] = [];
    const server = { setTlsMaterial: (m: TlsMaterial) => void installed.push(m), connections: () => new Set<TLSSocket>() } as unknown as GatewayServer;
    const { log } = recorder();
    const metrics = createMetrics(new Registry(), { identityLabel: false, version: 't' });
    const reload = createDockerTlsReload({ config: { tls: tlsConfig } as GatewayConfig, state, server, metrics, log, crlExpiry: { check: () => {} }, files: [] });
    try {
      gate.retries.length = 0;
      // The older reload reads a certificate valid from the day after tomorrow, and is held.
      await writePair(dayAfter);
      const held = holdNextRead();
      const older = reload.reload();
      await held.read;
      // The newer one reads a certificate valid from tomorrow: refused until then, read again then.
      await writePair(tomorrow);
      await reload.reload();
      expect(gate.retries.map((d) => d.toISOString())).toEqual([tomorrowFrom.toISOString()]);
      held.release();
      await older;
      expect(gate.retries.map((d) => d.toISOString())).toEqual([tomorrowFrom.toISOString()]);
      // And the overtaken one installed nothing either: the newer one's material (the certificate in force serving on) is in force.
      expect(installed).toHaveLength(1);
      expect(state.tls.serverSerial).toBe(start.serverSerial);
      expect(state.refusedCertificate?.validFrom?.toISOString()).toBe(tomorrowFrom.toISOString());
    } finally {
      reload.cancelRetry();
    }
  });
});
