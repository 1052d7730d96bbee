/**
 * Networks and endpoint aliases as the daemon has them, read and made on its own socket (not
 * through a gateway): the fixtures the tenancy e2e suites build shared networks from.
 */
import { expect } from 'vitest';
import { dockerDirect } from './gateway.js';

/** Remove network `name` if it exists and create it anew with `subnet` and `labels` (`key=value`). */
export async function recreateNetwork(socket: string, name: string, subnet: string, labels: readonly string[]): Promise<void> {
  await dockerDirect(socket, ['network', 'rm', name]);
  const r = await dockerDirect(socket, ['network', 'create', '--subnet', subnet, ...labels.flatMap((l) => ['--label', l]), name]);
  expect(r.code, r.stderr).toBe(0);
}

/** The endpoint aliases of container `container` on network `net`, as the daemon has them. */
export async function endpointAliases(socket: string, container: string, net: string): Promise<string[]> {
  const r = await dockerDirect(socket, ['inspect', '-f', `{{json (index .NetworkSettings.Networks "${net}").Aliases}}`, container]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as string[] | null) ?? [];
}
