import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Upstream } from '../../../src/config/types.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { createReadiness } from '../../../src/observe/readiness.js';
import { pingUpstream } from '../../../src/observe/upstream-ping.js';

let dir: string;
const servers: http.Server[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockgate-ping-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A tiny daemon stand-in: answers /_ping like dockerd (`OK`), or as `handler` says. */
async function fakeDaemon(listenOn: string | number, handler?: http.RequestListener): Promise<http.Server> {
  const seen: string[] = [];
  const server = http.createServer(
    handler ??
      ((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.url === '/_ping') {
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Api-Version': '1.41' }).end('OK');
        } else {
          res.writeHead(404).end();
        }
      }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => (typeof listenOn === 'string' ? server.listen(listenOn, resolve) : server.listen(listenOn, '127.0.0.1', resolve)));
  return Object.assign(server, { seen });
}

const unix = (path: string): Upstream => ({ kind: 'unix', path, url: `unix://${path}` });

describe('pingUpstream', () => {
  it('succeeds against a daemon on a unix socket', async () => {
    const sock = join(dir, 'docker.sock');
    const server = (await fakeDaemon(sock)) as http.Server & { seen: string[] };
    const got = await pingUpstream(unix(sock), 2000);
    expect(got.ok).toBe(true);
    expect(got.detail).toBeUndefined();
    expect(got.seconds).toBeGreaterThan(0);
    expect(got.seconds).toBeLessThan(2);
    expect(server.seen).toEqual(['GET /_ping']);
    // The daemon's newest API version, which the gateway's version gate watches (daemon-api-range.ts).
    expect(got.apiVersion).toBe('1.41');
  });

  it('succeeds against a daemon on tcp', async () => {
    const server = await fakeDaemon(0);
    const { port } = server.address() as AddressInfo;
    const got = await pingUpstream({ kind: 'tcp', host: '127.0.0.1', port, url: `tcp://127.0.0.1:${port}` }, 2000);
    expect(got.ok).toBe(true);
  });

  it('fails with the error code when the socket is missing', async () => {
    const got = await pingUpstream(unix(join(dir, 'missing.sock')), 2000);
    expect(got).toMatchObject({ ok: false, detail: 'ENOENT', code: 'ENOENT' });
  });

  it('fails on a non-200 answer', async () => {
    const sock = join(dir, 'sick.sock');
    await fakeDaemon(sock, (_req, res) => res.writeHead(500).end('{"message":"boom"}'));
    const got = await pingUpstream(unix(sock), 2000);
    expect(got).toMatchObject({ ok: false, detail: 'status 500' });
    expect(got.code).toBeUndefined();
  });

  it('times out on a daemon that never answers', async () => {
    const sock = join(dir, 'hung.sock');
    await fakeDaemon(sock, () => {
      // Hold the request open, as a wedged daemon does.
    });
    const got = await pingUpstream(unix(sock), 200);
    expect(got).toMatchObject({ ok: false, detail: 'timeout after 200 ms' });
    expect(got.code).toBeUndefined();
  });
});

describe('createReadiness', () => {
  it('is ready only when the gateway checks and the daemon ping pass, and feeds upstream_up', async () => {
    const sock = join(dir, 'docker.sock');
    const registry = new Registry();
    const metrics = createMetrics(registry, { identityLabel: false, version: 't' });
    let policyLoaded = false;
    const readiness = createReadiness({
      upstream: unix(sock),
      timeoutMs: 500,
      metrics,
      checks: () => ({ listener: { ok: true }, policy: policyLoaded ? { ok: true } : { ok: false, detail: 'not loaded' } }),
    });
    const up = async () => (await registry.getSingleMetric('dockgate_upstream_up')!.get()).values[0]?.value;

    expect(await readiness()).toEqual({
      ready: false,
      checks: { listener: { ok: true }, policy: { ok: false, detail: 'not loaded' }, daemon: { ok: false, detail: 'ENOENT' } },
    });
    expect(await up()).toBe(0);

    await fakeDaemon(sock);
    policyLoaded = true;
    expect(await readiness()).toEqual({ ready: true, checks: { listener: { ok: true }, policy: { ok: true }, daemon: { ok: true } } });
    expect(await up()).toBe(1);
  });
});
