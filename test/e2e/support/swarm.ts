/**
 * A one-node swarm on the test daemon, with an overlay network, for the suites that check
 * service requests; left again (with the network) at the end.
 */
import { expect } from 'vitest';
import { dockerDirect } from './gateway.js';
import { freePort } from './free-port.js';

/** Put the daemon at `socket` into a one-node swarm listening on loopback and create overlay `network`. */
export async function joinOneNodeSwarm(socket: string, network: string): Promise<void> {
  const init = await dockerDirect(socket, ['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', `127.0.0.1:${await freePort()}`]);
  expect(init.stderr).toBe('');
  expect((await dockerDirect(socket, ['network', 'create', '-d', 'overlay', network])).code).toBe(0);
}

/** Remove `services` and overlay `network`, and leave the swarm. */
export async function leaveOneNodeSwarm(socket: string, network: string, services: readonly string[] = []): Promise<void> {
  if (services.length) await dockerDirect(socket, ['service', 'rm', ...services]);
  await dockerDirect(socket, ['network', 'rm', network]);
  await dockerDirect(socket, ['swarm', 'leave', '--force']);
}
