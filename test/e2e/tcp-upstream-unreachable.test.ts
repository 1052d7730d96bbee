/**
 * A `tcp://` upstream that cannot be reached is told apart the same way as a unix socket that is
 * gone (upstream-errors.ts: one test for the `unreachable` kind and for the API range going
 * stale): its port closed (ECONNREFUSED), here a loopback relay in front of the shared test
 * daemon, stopped after the gateway read the range, and its name not found (ENOTFOUND, a name
 * under `.invalid`, which never resolves). Before, a name not found was not counted as no
 * connection by the range: with the range unread, a request with a version prefix was refused
 * `api-version-unknown` instead of getting the forwarder's 502, and with a range kept, the 28.x
 * CLI read that its version was too new.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, rawExchange } from './support/raw-tls.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
const gateways: TestGateway[] = [];

/** A TCP relay on 127.0.0.1 to the daemon's socket: the daemon as a `tcp://` upstream. */
interface TcpRelay {
  port: number;
  /** Stop listening and cut every connection: the port is closed (ECONNREFUSED). */
  close(): Promise<void>;
  /** Listen again on the same port. */
  open(): Promise<void>;
}

async function startTcpRelay(): Promise<TcpRelay> {
  const conns = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = async (): Promise<void> => {
    server = createServer((client) => {
      conns.add(client);
      const daemon = connect({ path: socket });
      client.pipe(daemon).pipe(client);
      const drop = (): void => {
        conns.delete(client);
        client.destroy();
        daemon.destroy();
      };
      client.on('error', drop).on('close', drop);
      daemon.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  await open();
  return {
    get port() {
      return port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server?.close(() => resolve());
      }),
    open,
  };
}

/** A gateway whose upstream is `url`. */
async function gatewayTo(url: string): Promise<TestGateway> {
  const gw = await startGateway(pki.dir, configYaml(pki, socket).replace(`upstream: unix://${socket}`, `upstream: ${url}`));
  gateways.push(gw);
  return gw;
}

const at199 = (gw: TestGateway) => rawExchange(pki.bundle('admin'), gw.port, httpRequest({ method: 'GET', target: '/v1.99/containers/json' }));
const ps = (gw: TestGateway, cli: string) => docker(pki.bundle('admin'), gw.port, ['ps', '-q'], { cli, timeoutMs: 30_000 });

beforeAll(async () => {
  pki = await makePki({ admin: [] });
});

afterAll(async () => {
  for (const gw of gateways) await gw.stop();
});

describe('a tcp:// upstream that cannot be reached', () => {
  it('port closed after the range was read: the CLIs are told the upstream is unreachable, naming it; back once it listens again', async () => {
    const relay = await startTcpRelay();
    try {
      const url = `tcp://127.0.0.1:${relay.port}`;
      const gw = await gatewayTo(url);
      for (const [label, cli] of DOCKER_CLIS) expect((await ps(gw, cli)).code, label).toBe(0);
      expect((await at199(gw)).status).toBe(400);
      await relay.close();

      const new28 = await ps(gw, DOCKER_CLIS[0][1]);
      expect(new28.code).toBe(1);
      expect(new28.stderr).not.toContain('too new');
      expect(new28.stderr).toContain(`Error response from daemon: dockgate: upstream ${url} unreachable: ECONNREFUSED (the daemon could not be reached to read its API versions again; when last reached it did not serve 1.`);
      const refused = await at199(gw);
      expect([refused.status, refused.text]).toEqual([502, `{"message":"dockgate: upstream ${url} unreachable: ECONNREFUSED (the daemon could not be reached to read its API versions again; when last reached it did not serve 1.99)"}\n`]);
      const old2010 = await ps(gw, DOCKER_CLIS[1][1]);
      expect(old2010.stderr).toContain(`dockgate: upstream ${url} unreachable: ECONNREFUSED`);
      expect(gw.stdout()).toContain('"reason":"api-version-unreachable: dockgate: upstream tcp://127.0.0.1:');

      await relay.open();
      // Stale: the refused prefix has the range read again, which now answers.
      const back = await until(async () => {
        const r = await at199(gw);
        return r.status === 400 ? r : undefined;
      }, 20_000, 'the range read again through the relay');
      expect(back.text).toBe('{"message":"client version 1.99 is too new. Maximum supported API version is 1.41"}\n');
      for (const [label, cli] of DOCKER_CLIS) expect((await ps(gw, cli)).code, label).toBe(0);
    } finally {
      await relay.close();
    }
  });

  it('name not found: a request with a version prefix gets the forwarder 502 (ENOTFOUND), not api-version-unknown', async () => {
    const url = 'tcp://nonexistent.invalid:2375';
    const gw = await gatewayTo(url);
    const refused = await at199(gw);
    // ENOTFOUND, or EAI_AGAIN where no DNS resolver can be reached: either says the name gave no address.
    const code = /unreachable: (ENOTFOUND|EAI_AGAIN)"/.exec(refused.text)?.[1] ?? 'ENOTFOUND';
    expect([refused.status, refused.text]).toEqual([502, `{"message":"dockgate: upstream ${url} unreachable: ${code}"}\n`]);
    const new28 = await ps(gw, DOCKER_CLIS[0][1]);
    expect(new28.code).toBe(1);
    expect(new28.stderr).toContain(`dockgate: upstream ${url} unreachable: ${code}`);
    expect(new28.stderr).not.toContain('api-version');
    expect(gw.stdout()).not.toContain('api-version-unknown');
    // Counted as the forwarder counts an unreachable daemon: in the record's upstreamError.
    await until(() => gw.stdout().includes(`"upstreamError":"unreachable: ${code}"`), 10_000, `a record with upstreamError unreachable: ${code}`);
  });
});
