/**
 * Whether a start's listeners could bind, checked before it makes anything that outlives it.
 * The embedded default (`npm start` without a config) makes ./certs on its first start, a CA and
 * an admin bundle, and only then bound 0.0.0.0:2376: where another process held the port, the
 * start failed and left a CA behind for a gateway that never ran (and the next start, on another
 * port by a config file, found ./certs taken by it).
 */
import { createServer } from 'node:net';
import type { ListenAddress } from '../config/types.js';
import { LISTENER_NAMES, listenerError, type ListenerKey } from './listen-failure.js';

/** Bind a plain TCP server at `address` and close it; rejects with the bind's error (EADDRINUSE, EACCES, ...). */
export function probeListen(address: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(address.port, address.host, () => server.close(() => resolve()));
  });
}

/** A listener of the start that cannot bind (its message: listenerError's, as the start's own failure says it). */
export class ListenProbeError extends Error {
  override readonly name = 'ListenProbeError';
}

/**
 * Probe each listener of `listeners` (config key and address) in the order startGateway binds
 * them, the admin listener first; the first that cannot bind is a ListenProbeError worded as the
 * start's own failure would be. Not a reservation: a port taken after the probe fails the start
 * itself, as it did without one.
 */
export async function probeListeners(listeners: ReadonlyArray<readonly [ListenerKey, ListenAddress]>, probe: (address: ListenAddress) => Promise<void> = probeListen): Promise<void> {
  for (const [key, address] of listeners) {
    try {
      await probe(address);
    } catch (err) {
      throw new ListenProbeError(listenerError(LISTENER_NAMES[key], key, err).message, { cause: err });
    }
  }
}
