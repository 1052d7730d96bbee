/**
 * A TLS 1.3 handshake with the admin listener held half-way: the client's second flight (its
 * certificate) waits until `release()`, so the listener verifies it after whatever the test
 * runs in between (a reload), for the tests of handshakes under way during a reload.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { Pair } from '../server/tls-chain.js';

/** A held handshake: `answered` once the server answered the ClientHello; `secured` once it completes. */
export interface HeldHandshake {
  answered: Promise<void>;
  release(): void;
  secured: Promise<tls.TLSSocket>;
}

/**
 * Connect to 127.0.0.1:`port` as `client`, trusting `ca` for the server, over a TCP connection
 * that holds the client's writes once the server has answered its ClientHello, until `release()`.
 */
export function heldHandshake(port: number, ca: string, client: Pair): HeldHandshake {
  const raw = net.connect(port, '127.0.0.1');
  let held: Array<[Buffer, (err?: Error | null) => void]> | undefined = [];
  let spoke = false;
  let answered: () => void = () => {};
  const answeredP = new Promise<void>((resolve) => (answered = resolve));
  const wire = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      if (spoke && held) held.push([chunk, callback]);
      else raw.write(chunk, callback);
    },
    destroy(err, callback) {
      raw.destroy();
      callback(err);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    spoke = true;
    wire.push(chunk);
    answered();
  });
  raw.on('end', () => wire.push(null));
  raw.on('close', () => wire.destroy());
  raw.on('error', () => {});
  const socket = tls.connect({ socket: wire, servername: 'localhost', ca, cert: client.certPem, key: client.keyPem, minVersion: 'TLSv1.3' });
  socket.on('error', () => {});
  const secured = new Promise<tls.TLSSocket>((resolve, reject) => {
    socket.once('secureConnect', () => resolve(socket));
    socket.once('close', () => reject(new Error('closed before the handshake completed')));
  });
  return {
    answered: answeredP,
    secured,
    release() {
      const queue = held ?? [];
      held = undefined;
      for (const [chunk, callback] of queue) raw.write(chunk, callback);
    },
  };
}
