/**
 * Stand-ins for hijack() tests: a unix-socket "daemon" that records what each connection
 * received and answers an upgrade only when a test says so, and both ends of a real TCP
 * connection for the client side. Everything is closed after each test.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createUpstreamTarget } from '../../../src/proxy/upstream-target.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stand-in daemon: records each connection and what it received; `answer101` upgrades them. */
export async function standInDaemon() {
  const dir = mkdtempSync(join(tmpdir(), 'dg-hijack-'));
  const path = join(dir, 'daemon.sock');
  const connections: { socket: Socket; received: string; closed: boolean }[] = [];
  const server = createServer((socket) => {
    const c = { socket, received: '', closed: false };
    connections.push(c);
    socket.on('data', (d: Buffer) => (c.received += d.toString('latin1')));
    socket.on('close', () => (c.closed = true));
    socket.on('error', () => undefined);
  });
  server.listen(path);
  await once(server, 'listening');
  cleanups.push(() => {
    for (const c of connections) c.socket.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    target: createUpstreamTarget({ kind: 'unix', path, url: `unix://${path}` }),
    connections,
    answer101(c: { socket: Socket }) {
      if (!c.socket.destroyed) c.socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    },
  };
}

/** Both ends of a real TCP connection: `client` is what the gateway holds. */
export async function clientPair(): Promise<{ client: Socket; peer: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const peer = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [client] = await accepted;
  for (const s of [client, peer]) s.on('error', () => undefined);
  cleanups.push(() => {
    client.destroy();
    peer.destroy();
    server.close();
  });
  return { client, peer };
}

