import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OperationalLog } from '../../../src/observe/logger.js';
import { startUpstreamMonitor } from '../../../src/observe/readiness.js';

const dir = mkdtempSync(join(tmpdir(), 'dgt-monitor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('startUpstreamMonitor', () => {
  it('logs when the daemon stops and starts answering, once per change', async () => {
    const path = join(dir, 'daemon.sock');
    const lines: { level: string; obj: Record<string, unknown> }[] = [];
    const log: OperationalLog = {
      info: (obj) => lines.push({ level: 'info', obj: obj as Record<string, unknown> }),
      warn: (obj) => lines.push({ level: 'warn', obj: obj as Record<string, unknown> }),
      error: (obj) => lines.push({ level: 'error', obj: obj as Record<string, unknown> }),
    };
    const pings: boolean[] = [];
    const answered: [string | undefined, boolean][] = [];
    const unanswered: (string | undefined)[] = [];
    const stop = startUpstreamMonitor({ upstream: { kind: 'unix', path, url: `unix://${path}` }, intervalMs: 30, timeoutMs: 1000, metrics: { upstreamPing: (_s, ok) => pings.push(ok) }, log, answered: (v, back) => answered.push([v, back]), unanswered: (code) => unanswered.push(code) });
    let server: Server | undefined;
    try {
      await until(() => pings.length >= 3, 'three failed pings');
      server = createServer((_req, res) => res.writeHead(200, { 'Api-Version': '1.41' }).end('OK'));
      await new Promise<void>((r) => server?.listen(path, r));
      await until(() => pings.filter(Boolean).length >= 3, 'three answered pings');
      await new Promise<void>((r) => server?.close(() => r()));
      server.closeAllConnections();
      const answered = pings.length;
      await until(() => pings.length >= answered + 3, 'three more failed pings');
    } finally {
      stop();
      server?.close();
    }
    const url = `unix://${path}`;
    // Each answered ping reports the daemon's API-Version; the first after the failures says it came back.
    expect(answered.length).toBeGreaterThanOrEqual(3);
    expect(answered.slice(0, 3)).toEqual([['1.41', true], ['1.41', false], ['1.41', false]]);
    // Each failed ping reports its OS error code (the socket is gone: ENOENT), as many as failed.
    expect(unanswered.length).toBe(pings.filter((ok) => !ok).length);
    expect(new Set(unanswered)).toEqual(new Set(['ENOENT']));
    // The warning says what to do: nothing is at the socket's path.
    const advice = expect.stringContaining(`no socket at ${path}: start dockerd`);
    expect(lines).toEqual([
      { level: 'warn', obj: { event: 'upstream-down', upstream: url, error: 'ENOENT', advice } },
      { level: 'info', obj: { event: 'upstream-up', upstream: url } },
      { level: 'warn', obj: { event: 'upstream-down', upstream: url, error: 'ENOENT', advice } },
    ]);
  });

  it('names a regular file where the socket should be', async () => {
    const path = join(dir, 'not-a-socket');
    writeFileSync(path, '');
    const lines: Record<string, unknown>[] = [];
    const log: OperationalLog = { info: () => undefined, warn: (obj) => lines.push(obj as Record<string, unknown>), error: () => undefined };
    const stop = startUpstreamMonitor({ upstream: { kind: 'unix', path, url: `unix://${path}` }, intervalMs: 30, timeoutMs: 1000, metrics: { upstreamPing: () => undefined }, log });
    try {
      await until(() => lines.length >= 1, 'the warning');
    } finally {
      stop();
    }
    expect(lines).toEqual([{ event: 'upstream-down', upstream: `unix://${path}`, error: 'ECONNREFUSED', advice: expect.stringContaining(`${path} is a file, not a socket`) }]);
  });
});
