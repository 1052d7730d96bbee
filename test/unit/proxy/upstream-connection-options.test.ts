/**
 * What the daemon agent keeps of a request's options for as long as its connection lives: only
 * what makes and names the connection, not the first request's headers or http-proxy's unset
 * TLS fields (Node's agent hands the options it kept to its `free` listeners).
 */
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionOptions, createUpstreamTarget } from '../../../src/proxy/upstream-target.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function daemon(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dg-upstream-options-'));
  const path = join(dir, 'd.sock');
  const server: Server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return path;
}

describe('the daemon agent', () => {
  it('keeps only the connection fields of the request that opened a connection', async () => {
    const path = await daemon();
    const target = createUpstreamTarget({ kind: 'unix', path, url: `unix://${path}` });
    cleanups.push(() => target.agent.destroy());
    const kept = new Promise<Record<string, unknown>>((resolve) => target.agent.once('free', (_s, options: Record<string, unknown>) => resolve(options)));
    // As http-proxy builds them: its TLS fields present but unset, the client's headers copied.
    const options = { ...target.address, host: 'localhost', agent: target.agent, method: 'GET', path: '/_ping', headers: { 'user-agent': 'x'.repeat(200) }, ca: undefined, cert: undefined, key: undefined, pfx: undefined };
    await new Promise<void>((resolve, reject) => {
      const req = request(options, (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      req.end();
    });
    const fields = Object.keys(await kept);
    expect(fields).not.toContain('headers');
    expect(fields).not.toContain('method');
    expect(fields).not.toContain('ca');
    // What the agent needs of it: where the socket is, and its name for the pool.
    expect((await kept).path).toBe(path);
    expect((await kept)._agentKey).toBe(`localhost:80::${path}`);
  });

  it('passes on the connection fields that are set, and nothing else', () => {
    expect(connectionOptions({ host: 'h', port: 2375, localAddress: undefined, headers: {}, ca: undefined, method: 'GET' })).toEqual({ host: 'h', port: 2375 });
    expect(connectionOptions({ socketPath: '/s', path: '/x' })).toEqual({ socketPath: '/s' });
  });
});
