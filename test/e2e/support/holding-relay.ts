/**
 * A relay in front of the daemon's socket that holds the requests a test picks (by their
 * request line) for a while before passing them on: a test can then act while the gateway
 * waits on the daemon (a client that leaves during a look-up), or close the relay to take the
 * daemon away. It notes the request line of every request it passed on. A half-close is passed
 * on as one (a client's end of stdin after a 101), not turned into a close.
 */
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';

/** A running relay: point a gateway's `upstream:` at `unix://${path}`. */
export interface HoldingRelay {
  /** The relay's socket. */
  path: string;
  /** Which requests to hold, by request line (`GET /networks/x HTTP/1.1`); none by default. */
  hold: (line: string) => boolean;
  /** The request lines passed on to the daemon, in order. */
  passed: string[];
  /** Stop accepting and cut every open connection: the daemon is gone for the gateway. */
  close(): void;
}

const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/1\.[01]/;

/** Start a relay to `daemonSocket` that holds the picked requests for `holdMs`. */
export async function startHoldingRelay(daemonSocket: string, holdMs: number): Promise<HoldingRelay> {
  const open = new Set<Socket>();
  const relay: HoldingRelay = { path: join(scratchDir('relay-'), 'docker.sock'), hold: () => false, passed: [], close: () => undefined };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    const daemon = connect({ path: daemonSocket, allowHalfOpen: true });
    daemon.pipe(client);
    // Passed on after what is held (a paused socket still reports its end).
    let held = 0;
    let ended = false;
    client.on('end', () => {
      ended = true;
      if (held === 0) daemon.end();
    });
    daemon.on('error', () => client.destroy());
    client.on('error', () => daemon.destroy());
    client.on('close', () => daemon.destroy());
    const pass = (chunk: Buffer, line: string | undefined): void => {
      if (line !== undefined) relay.passed.push(line);
      daemon.write(chunk);
    };
    client.on('data', (chunk: Buffer) => {
      const line = REQUEST_LINE.exec(chunk.toString('latin1', 0, 512))?.[0];
      if (line === undefined || !relay.hold(line)) return pass(chunk, line);
      client.pause();
      held++;
      setTimeout(() => {
        held--;
        if (client.destroyed) return;
        pass(chunk, line);
        if (ended && held === 0) daemon.end();
        client.resume();
      }, holdMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(relay.path, resolve));
  relay.close = () => {
    server.close();
    for (const c of open) c.destroy();
  };
  return relay;
}
