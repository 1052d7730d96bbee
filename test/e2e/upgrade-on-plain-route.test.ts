/**
 * An upgrade on a route that never hijacks is refused, and what the client wrote after its
 * head never reaches the daemon. A caller allowed only to list containers sends the list with
 * `Connection: Upgrade` (tcp, as the CLI's attach; h2c, as BuildKit's /session; websocket) and,
 * in the same write, a container create the policy denies it: were the list forwarded as an
 * upgrade and the connection then piped, the create would reach dockerd unseen (probe34).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { RawConnection, closedByServer, httpRequest, jsonRequest } from './support/raw-tls.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-upgrade-on-plain-route';
let pki: TestPki;
let gw: TestGateway;

beforeAll(async () => {
  pki = await makePki({ reader: [] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, `version: 1
mode: enforce
rules:
  - name: reader-lists
    who: { users: [reader] }
    allow: [ContainerList, SystemPing, SystemPingHead]
`);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
});

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await gw?.stop();
});

/** Names of the daemon's containers carrying this file's label. */
async function labelled(): Promise<string[]> {
  const r = await dockerDirect(socket, ['ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}}']);
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('an upgrade on a route that does not hijack', () => {
  it.each([
    ['tcp', [['Upgrade', 'tcp']]],
    ['h2c', [['Upgrade', 'h2c'], ['HTTP2-Settings', 'AAMAAABkAARAAAAAAAIAAAAA']]],
    ['websocket', [['Upgrade', 'websocket'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13']]],
  ] as [string, [string, string][]][])('Upgrade: %s on an allowed list is refused, and a create written behind it is not run', async (kind, upgrade) => {
    const name = `dgt-upgrade-smuggled-${kind}`;
    const create = jsonRequest('POST', `/v1.41/containers/create?name=${name}`, JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: { [LABEL]: kind } }));
    const list = httpRequest({ method: 'GET', target: '/v1.41/containers/json', headers: [['Connection', 'Upgrade'], ...upgrade] });
    const conn = await RawConnection.tls(pki.bundle('reader'), gw.port);
    try {
      conn.write(Buffer.concat([list, create]));
      const answer = await conn.response();
      expect([answer.status, (JSON.parse(answer.text) as { message: string }).message]).toEqual([400, 'dockgate: ContainerList does not accept a connection upgrade']);
      await closedByServer(conn);
    } finally {
      conn.close();
    }
    expect(await labelled()).not.toContain(name);
  });
});
