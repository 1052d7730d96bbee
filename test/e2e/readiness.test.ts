/**
 * Health probes against a real daemon that goes away and comes back: `/readyz` follows the
 * daemon (200, then 503 naming it, then 200 again) while `/healthz` stays 200 throughout.
 * The suite stops the shared test daemon, so it always starts it again before it ends.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { restartDaemon, stopDaemon } from '../../scripts/lib/private-dockerd.mjs';
import { configYaml, docker, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpGet } from './support/prometheus.js';
import { ensureSharedDaemon, sharedDaemon } from './support/shared-daemon.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
let adminUrl: string;

interface ReadyBody {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

async function probe(path: '/readyz' | '/healthz'): Promise<{ status: number; body: ReadyBody; cache?: string }> {
  const res = await httpGet(`${adminUrl}${path}`, 10_000);
  return { status: res.status, body: JSON.parse(res.body) as ReadyBody, cache: res.headers['cache-control'] as string | undefined };
}

/** `dockgate_upstream_up` from the live exposition. */
async function upstreamUp(): Promise<number> {
  const text = (await httpGet(`${adminUrl}/metrics`)).body;
  const m = /^dockgate_upstream_up (\d+)$/m.exec(text);
  if (!m) throw new Error('dockgate_upstream_up missing from /metrics');
  return Number(m[1]);
}

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  gw = await startGateway(pki.dir, configYaml(pki, socket));
  adminUrl = `http://127.0.0.1:${gw.adminPort}`;
});

afterAll(async () => {
  // Later test files share this daemon: it must be up again even if a test failed midway.
  await ensureSharedDaemon();
  await gw?.stop();
});

describe('readiness follows the daemon', () => {
  it('is 200 while the daemon runs, 503 naming the daemon when it stops, and 200 again after it returns', async () => {
    try {
      const up = await probe('/readyz');
      expect(up.status).toBe(200);
      expect(up.cache).toBe('no-store');
      expect(up.body.status).toBe('ready');
      expect(up.body.checks.daemon).toEqual({ ok: true });
      for (const name of ['listener', 'certificates', 'policy']) expect(up.body.checks[name]?.ok, name).toBe(true);
      expect(await upstreamUp()).toBe(1);
      expect((await probe('/healthz')).status).toBe(200);

      await stopDaemon(sharedDaemon());
      // The daemon has exited: the very next probe must see it.
      const down = await probe('/readyz');
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('not ready');
      expect(down.body.checks.daemon?.ok).toBe(false);
      // ENOENT once the socket is gone, ECONNREFUSED while a stale socket file remains.
      expect(down.body.checks.daemon?.detail).toMatch(/ENOENT|ECONNREFUSED/);
      // Only the daemon fails: the gateway's own checks still pass.
      for (const name of ['listener', 'certificates', 'policy']) expect(down.body.checks[name]?.ok, name).toBe(true);
      expect(await upstreamUp()).toBe(0);
      const health = await probe('/healthz');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      // A client through the gateway gets an error, not a hang.
      const ps = await docker(pki.bundle('admin'), gw.port, ['ps'], { timeoutMs: 30_000 });
      expect(ps.code).not.toBe(0);

      await restartDaemon(sharedDaemon());
      const back = await probe('/readyz');
      expect(back.status).toBe(200);
      expect(back.body.status).toBe('ready');
      expect(back.body.checks.daemon).toEqual({ ok: true });
      expect(await upstreamUp()).toBe(1);
      expect((await probe('/healthz')).status).toBe(200);
      const again = await docker(pki.bundle('admin'), gw.port, ['ps', '-q']);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
    } finally {
      await ensureSharedDaemon();
    }
  });
});
