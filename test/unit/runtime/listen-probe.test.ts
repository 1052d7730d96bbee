/**
 * The check that a start's listeners can bind (listen-probe.ts), which the embedded default runs
 * before it makes ./certs: a real bind on loopback, and the error worded as the start's own.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ListenAddress } from '../../../src/config/types.js';
import { listenerError } from '../../../src/runtime/listen-failure.js';
import { ListenProbeError, probeListen, probeListeners } from '../../../src/runtime/listen-probe.js';

const held: Server[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server listening on a loopback port the system picks: its address. */
async function hold(): Promise<ListenAddress> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { host: '127.0.0.1', port };
}

describe('probeListen', () => {
  it('rejects with the bind error where another process listens', async () => {
    const taken = await hold();
    await expect(probeListen(taken)).rejects.toMatchObject({ code: 'EADDRINUSE', message: `listen EADDRINUSE: address already in use 127.0.0.1:${taken.port}` });
  });

  it('resolves where nothing listens, and leaves the port free for the start', async () => {
    const address = await hold();
    await new Promise((r) => held.splice(0)[0]?.close(r));
    await probeListen(address);
    const server = createServer();
    held.push(server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(address.port, address.host, resolve));
  });
});

describe('probeListeners', () => {
  const admin: ListenAddress = { host: '127.0.0.1', port: 9376 };
  const docker: ListenAddress = { host: '0.0.0.0', port: 2376 };
  const inUse = (a: ListenAddress) => Object.assign(new Error(`listen EADDRINUSE: address already in use ${a.host}:${a.port}`), { code: 'EADDRINUSE' });

  it.each([
    ['both free', [], ['127.0.0.1:9376', '0.0.0.0:2376'], undefined],
    ['the admin port taken: the start\'s own admin message, the other not probed', [9376], ['127.0.0.1:9376'], ['admin listener (admin)', 'admin.listen', admin] as const],
    ['the Docker API port taken', [2376], ['127.0.0.1:9376', '0.0.0.0:2376'], ['Docker API listener (listen)', 'listen', docker] as const],
  ] as const)('%s', async (_label, taken, probedWant, failure) => {
    const probed: string[] = [];
    const probe = async (a: ListenAddress) => {
      probed.push(`${a.host}:${a.port}`);
      if ((taken as readonly number[]).includes(a.port)) throw inUse(a);
    };
    const run = probeListeners([['admin.listen', admin], ['listen', docker]], probe);
    if (failure === undefined) await run;
    else {
      const [which, key, address] = failure;
      const err = await run.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ListenProbeError);
      expect((err as Error).message).toBe(listenerError(which, key, inUse(address)).message);
      expect((err as Error).message).toContain('another process listens there');
    }
    expect(probed).toEqual(probedWant);
  });
});
