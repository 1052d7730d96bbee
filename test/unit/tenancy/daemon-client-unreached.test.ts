/**
 * Tenancy's look-ups that make no connection to the daemon are told to `notConnected` (which
 * makes the API range stale, daemon-api-range.ts), as a forwarded request's are; one that
 * connected and then broke, or timed out, is not. Against real sockets: a missing unix
 * socket, a closed loopback port, a name that does not resolve, and stand-ins that answer,
 * close or never answer.
 */
import { Agent, createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { UpstreamTarget } from '../../../src/proxy/upstream-target.js';
import { createDaemonClient } from '../../../src/tenancy/daemon-client.js';
import { unixTarget, useDaemonStandIn } from './daemon-stand-in.js';

const startStandIn = useDaemonStandIn('dg-daemon-unreached-');

const tcpTarget = (host: string, port: number): UpstreamTarget => ({ upstream: { kind: 'tcp', host, port, url: `tcp://${host}:${port}` }, agent: new Agent(), address: { host, port }, name: `tcp://${host}:${port}` });

/** A stand-in on a unix socket that answers 200, closes the connection before answering, or never answers. */
function standIn(how: 'answer' | 'reset' | 'silent'): Promise<UpstreamTarget> {
  return startStandIn((req, res) => {
    if (how === 'answer') res.end('[]');
    else if (how === 'reset') req.socket.destroy();
  });
}

/** A loopback port nothing listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The codes told to notConnected by a GET through a client over `target`, and whether the GET failed. */
async function lookUp(target: UpstreamTarget, timeoutMs = 5_000): Promise<{ told: string[]; failed: boolean }> {
  const told: string[] = [];
  const client = createDaemonClient(target, timeoutMs, undefined, (code) => told.push(code));
  const failed = await client.get('/containers/x/json').then(() => false, () => true);
  return { told, failed };
}

describe('daemon client: look-ups that make no connection', () => {
  it.each([
    ['a missing unix socket', async () => unixTarget('/nonexistent-dockgate-dir/docker.sock'), [['ENOENT']]],
    ['a closed loopback port', async () => tcpTarget('127.0.0.1', await closedPort()), [['ECONNREFUSED']]],
    // With no DNS resolver reachable (a machine or namespace without one) the resolver's
    // answer is EAI_AGAIN, not ENOTFOUND: either says the name gave no address.
    ['a name that does not resolve', async () => tcpTarget('nonexistent.invalid', 2375), [['ENOTFOUND'], ['EAI_AGAIN']]],
  ] as const)('%s: told one of %j', async (_what, target, codes) => {
    const { told, failed } = await lookUp(await target());
    expect(failed).toBe(true);
    expect(codes).toContainEqual(told);
  });

  it.each([
    ['a daemon that answers', 'answer', false],
    ['a connection closed before the answer (ECONNRESET)', 'reset', true],
    ['no answer within the look-up timeout', 'silent', true],
  ] as const)('%s: not told', async (_what, how, failed) => {
    expect(await lookUp(await standIn(how), 300)).toEqual({ told: [], failed });
  });
});
