/**
 * A unix-socket server standing in for the daemon behind tenancy's daemon client, shared by the
 * daemon-client test files: each test's stand-in and its directory are removed after the test.
 */
import { Agent, createServer, type RequestListener, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { UpstreamTarget } from '../../../src/proxy/upstream-target.js';

/** An upstream target for the unix socket at `socketPath`, as the gateway builds one. */
export function unixTarget(socketPath: string): UpstreamTarget {
  return { upstream: { kind: 'unix', path: socketPath, url: `unix://${socketPath}` }, agent: new Agent(), address: { socketPath }, name: `unix://${socketPath}` };
}

/**
 * Registers the clean-up with the calling test file, and returns a function that starts a
 * stand-in answering with `handle` on a fresh unix socket (one per test) and gives its target.
 */
export function useDaemonStandIn(prefix: string): (handle: RequestListener) => Promise<UpstreamTarget> {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
    server = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return async (handle) => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const socketPath = join(dir, 'd.sock');
    const started = createServer(handle);
    server = started;
    await new Promise<void>((r) => started.listen(socketPath, r));
    return unixTarget(socketPath);
  };
}
