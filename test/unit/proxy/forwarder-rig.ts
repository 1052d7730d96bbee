/**
 * The forwarder between a stand-in daemon and a gateway-side HTTP server, for the forwarder's
 * unit tests: the daemon is a plain unix-socket server that writes raw HTTP (so the framing is
 * exactly what a test says), and every request the HTTP server takes is handed to `handle`.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createForwarder, type Forwarder, type ForwarderOptions } from '../../../src/proxy/forwarder.js';
import { createUpstreamTarget } from '../../../src/proxy/upstream-target.js';

/** The rig's HTTP server port, and the daemon connections the forwarder opened (its side of them, in order). */
export interface ForwarderRig {
  port: number;
  upstream: Socket[];
}

/**
 * Start the rig; `cleanups` gets what closes it (run it after each test). `opened` is called
 * with each daemon connection the forwarder opens, as it opens it; `options` are the forwarder's.
 */
export async function forwarderRig(
  cleanups: (() => void)[],
  daemonConnection: (socket: Socket) => void,
  handle: (forwarder: Forwarder, req: IncomingMessage, res: ServerResponse) => void,
  opened?: (socket: Socket) => void,
  options: ForwarderOptions = {},
): Promise<ForwarderRig> {
  const dir = mkdtempSync(join(tmpdir(), 'dg-fwd-'));
  const path = join(dir, 'daemon.sock');
  const sockets: Socket[] = [];
  const daemon = createNetServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    daemonConnection(s);
  });
  daemon.listen(path);
  await once(daemon, 'listening');
  const target = createUpstreamTarget({ kind: 'unix', path, url: `unix://${path}` });
  // The agent opens every daemon connection, synchronously within the forward that needs it.
  const upstream: Socket[] = [];
  const agent = target.agent as unknown as { createConnection: (...args: unknown[]) => Socket };
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (...args: unknown[]) => {
    const s = createConnection(...args);
    upstream.push(s);
    opened?.(s);
    return s;
  };
  const forwarder = createForwarder(target, options);
  const server = createServer((req, res) => handle(forwarder, req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
    for (const s of sockets) s.destroy();
    daemon.close();
    forwarder.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { port: (server.address() as { port: number }).port, upstream };
}
