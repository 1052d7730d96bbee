/**
 * The `dockgate listening` line names both listeners the same way, as the `host:port` they
 * bound (`admin` is "off" when the admin listener is disabled), and the `pid` to signal, as
 * docs/observability.md says.
 */
import { expect, inject, it } from 'vitest';
import { configYaml, makePki, startGateway } from './support/gateway.js';

const socket = inject('dockerSocket');

/** The `dockgate listening` line of a gateway's stderr, parsed. */
function listeningLine(stderr: string): Record<string, unknown> {
  const line = stderr.split('\n').find((l) => l.includes('"msg":"dockgate listening"'));
  expect(line, stderr).toBeDefined();
  return JSON.parse(line as string) as Record<string, unknown>;
}

it.each([
  ['admin on loopback', 'admin: 127.0.0.1:0', /^127\.0\.0\.1:\d+$/],
  ['admin on [::1]', 'admin: "[::1]:0"', /^\[::1\]:\d+$/],
  ['admin off', 'admin: off', /^off$/],
])('%s: listen and admin are host:port strings', async (_name, admin, expected) => {
  const pki = await makePki({});
  const gw = await startGateway(pki.dir, configYaml(pki, socket).replace('admin: 127.0.0.1:0', admin));
  try {
    const line = listeningLine(gw.stderr());
    // The pid of the gateway's own node process: the one to signal (not npm's under `npm start`).
    expect(line.pid).toBe(gw.process.pid);
    expect(line.listen).toBe(`127.0.0.1:${gw.port}`);
    expect(line.admin).toMatch(expected);
    if (gw.adminPort !== undefined) expect(line.admin).toBe(admin.includes('::1') ? `[::1]:${gw.adminPort}` : `127.0.0.1:${gw.adminPort}`);
    else expect(admin).toBe('admin: off');
  } finally {
    await gw.stop();
  }
});
