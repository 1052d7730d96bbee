/** A free TCP port on loopback, for listeners that take no port 0 (a swarm, a second listener). */
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (bound once by us, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
