/**
 * An exchange the gateway itself cut is no daemon failure: the end of the shutdown's grace
 * (its connections cut, then the forwarder closed, which destroys the daemon connections) and
 * a cut for a revoked certificate report no error to the hooks, so no `upstream-error` is
 * logged or counted for a daemon that was fine (rev-front F8). A daemon that dies mid-stream
 * still does (forwarder-daemon-lost.test.ts), also while the gateway is up.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Forwarder } from '../../../src/proxy/forwarder.js';
import { cutConnection } from '../../../src/server/connection-cuts.js';
import { Changes, closeOf } from './changes.js';
import { forwarderRig } from './forwarder-rig.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const STREAM_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n';

/**
 * A `logs -f` open through the forwarder to a stand-in daemon that keeps it open; resolves once
 * the client has its first piece, with the gateway side's client connection and the forwarder.
 */
async function openStream(daemonGoes = false) {
  const errors: string[] = [];
  let forwarder: Forwarder | undefined;
  let clientSide: Duplex | undefined;
  const { port, upstream } = await forwarderRig(
    cleanups,
    (s) => {
      s.once('data', () => {
        s.write(STREAM_HEAD);
        if (daemonGoes) setTimeout(() => s.destroy(), 50);
      });
    },
    (f, req, res) => {
      forwarder = f;
      clientSide = req.socket;
      // As the gateway's exchange does: the forwarder learns of every exchange's end.
      res.on('close', () => f.ended(req, res));
      f.forward(req, res, { onHeaders: () => undefined, onError: (kind, err) => errors.push(`${kind} ${(err as NodeJS.ErrnoException).code ?? err.message}`) }, req.url ?? '/');
    },
  );
  const changes = new Changes();
  const seen = { got: '', closed: false };
  const client: Socket = connect(port, '127.0.0.1');
  client.on('data', (d: Buffer) => {
    seen.got += d.toString('latin1');
    changes.notify();
  });
  client.on('error', () => undefined);
  client.on('close', () => {
    seen.closed = true;
    changes.notify();
  });
  client.write('GET /v1.41/containers/c/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: x\r\n\r\n');
  expect(await changes.until(() => seen.got.includes('hello'))).toBe(true);
  cleanups.push(() => client.destroy());
  const settled = async () => {
    await Promise.all(upstream.map(closeOf));
    await changes.until(() => seen.closed);
    // A socket's error comes before its close; one more turn for what the close sets off.
    await new Promise((r) => setTimeout(r, 50));
  };
  return { errors, forwarder: forwarder as Forwarder, clientSide: clientSide as Duplex, settled };
}

describe('an exchange the gateway cut is no daemon failure', () => {
  it('the end of the shutdown grace: connection cut, then the forwarder closed', async () => {
    const { errors, forwarder, clientSide, settled } = await openStream();
    // gateway-server.ts shutdown(): every connection cut as `shutdown`, then the forwarder closed.
    cutConnection(clientSide, 'shutdown');
    forwarder.close();
    await settled();
    expect(errors).toEqual([]);
  });

  it('the forwarder closed first (daemon connections destroyed while the client is still there)', async () => {
    const { errors, forwarder, clientSide, settled } = await openStream();
    forwarder.close();
    await new Promise((r) => setTimeout(r, 50));
    cutConnection(clientSide, 'shutdown');
    await settled();
    expect(errors).toEqual([]);
  });

  it('a connection cut for a revoked certificate', async () => {
    const { errors, clientSide, settled } = await openStream();
    cutConnection(clientSide, 'revoked');
    await settled();
    expect(errors).toEqual([]);
  });

  it('while a daemon that dies mid-stream is still a failure', async () => {
    const { errors, settled } = await openStream(true);
    await settled();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^failed /);
  });
});
