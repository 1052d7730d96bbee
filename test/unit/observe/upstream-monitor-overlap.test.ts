/**
 * Overlapping pings (an interval shorter than the timeout): the monitor's up/down log follows
 * the order in which pings end. A failed ping's warning must be written before the next
 * ping's answer is judged, or the log ends on `upstream-down` while the daemon answers.
 */
import { describe, expect, it, vi } from 'vitest';
import type { OperationalLog } from '../../../src/observe/logger.js';
import type { PingResult } from '../../../src/observe/upstream-ping.js';

const pending: ((p: PingResult) => void)[] = [];
vi.mock('../../../src/observe/upstream-ping.js', () => ({
  pingUpstream: () => new Promise<PingResult>((resolve) => pending.push(resolve)),
}));
const { startUpstreamMonitor } = await import('../../../src/observe/readiness.js');

describe('startUpstreamMonitor with overlapping pings', () => {
  it('logs a failure and the answer that follows it in the order the pings ended', async () => {
    const events: string[] = [];
    const log: OperationalLog = {
      info: (obj) => events.push(String((obj as { event: string }).event)),
      warn: (obj) => events.push(String((obj as { event: string }).event)),
      error: () => undefined,
    };
    const path = '/nonexistent/dockgate-monitor-test.sock';
    const stop = startUpstreamMonitor({ upstream: { kind: 'unix', path, url: `unix://${path}` }, intervalMs: 10, timeoutMs: 60_000, metrics: { upstreamPing: () => undefined }, log });
    try {
      await vi.waitFor(() => expect(pending.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      // The first ping fails and the second answers, one right after the other.
      pending[0]?.({ ok: false, seconds: 1, code: 'ENOENT', detail: 'ENOENT' } as PingResult);
      pending[1]?.({ ok: true, seconds: 0.001, apiVersion: '1.41' } as PingResult);
      await vi.waitFor(() => expect(events.length).toBe(2), { timeout: 10_000 });
    } finally {
      stop();
    }
    expect(events).toEqual(['upstream-down', 'upstream-up']);
  });
});
