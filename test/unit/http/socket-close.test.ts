import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { whenSocketCloses } from '../../../src/http/socket-close.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A connected pair: the server's side (what the gateway holds) and the client's. */
async function pair(): Promise<{ server: Socket; client: Socket }> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const accepted = once(srv, 'connection');
  const client = connect((srv.address() as { port: number }).port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  cleanups.push(() => {
    client.destroy();
    server.destroy();
    srv.close();
  });
  return { server, client };
}

describe('whenSocketCloses', () => {
  it('runs every waiting callback once when the socket closes, with one close listener', async () => {
    const { server, client } = await pair();
    const calls: string[] = [];
    whenSocketCloses(server, () => calls.push('a'));
    whenSocketCloses(server, () => calls.push('b'));
    expect(server.listenerCount('close')).toBe(1);
    client.destroy();
    await once(server, 'close');
    expect(calls.sort()).toEqual(['a', 'b']);
  });

  it('does not run a cancelled callback', async () => {
    const { server, client } = await pair();
    const calls: string[] = [];
    const cancel = whenSocketCloses(server, () => calls.push('gone'));
    whenSocketCloses(server, () => calls.push('kept'));
    cancel();
    client.destroy();
    await once(server, 'close');
    expect(calls).toEqual(['kept']);
  });

  it('runs soon for a socket that has already closed', async () => {
    const { server, client } = await pair();
    client.destroy();
    await once(server, 'close');
    let ran = false;
    whenSocketCloses(server, () => (ran = true));
    expect(ran).toBe(false);
    await Promise.resolve();
    expect(ran).toBe(true);
  });
});
