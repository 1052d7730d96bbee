/**
 * A daemon that stops after the gateway has read its API versions (seen live, session 35): the
 * 28.x CLI, whose `/_ping` got the gateway's 502, did not negotiate and sent its own version
 * (1.50), which the gateway refused from the range it kept: `client version 1.50 is too new.
 * Maximum supported API version is 1.41`, where against a stopped dockerd it says it cannot
 * connect. The range is now stale once the daemon cannot be reached, a version it refuses has it
 * read again first, and the client reads that the daemon is unreachable: found by the client's
 * own forwarded `/_ping`, or by the gateway's monitor. Once the daemon is back the range is read
 * again. The suite stops the shared test daemon and always starts it again.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { restartDaemon, stopDaemon } from '../../scripts/lib/private-dockerd.mjs';
import { configYaml, docker, DOCKER_CLIS, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, rawExchange } from './support/raw-tls.js';
import { ensureSharedDaemon, sharedDaemon } from './support/shared-daemon.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
/** The upstream as the gateway's 502s name it (the configured `upstream:`), for a RegExp. */
const upstream = `unix://${socket}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
let pki: TestPki;
let gw: TestGateway;
/** A second gateway that sends the daemon nothing while it is down: only its monitor's `/_ping` finds it gone. */
let quiet: TestGateway;

/** The 28.x and the 20.10 CLI's `docker ps -q` through the gateway. */
const ps = (cli: string) => docker(pki.bundle('admin'), gw.port, ['ps', '-q'], { cli, timeoutMs: 30_000 });

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  gw = await startGateway(pki.dir, configYaml(pki, socket));
  quiet = await startGateway(pki.dir, configYaml(pki, socket));
});

/** GET /v1.99/containers/json through `through` (no client's `/_ping` before it). */
const at199 = (through: TestGateway) => rawExchange(pki.bundle('admin'), through.port, httpRequest({ method: 'GET', target: '/v1.99/containers/json' }));

afterAll(async () => {
  // Later test files share this daemon: it must be up again even if a test failed midway.
  await ensureSharedDaemon();
  await gw?.stop();
  await quiet?.stop();
});

describe('a daemon stopped after its API versions were read', () => {
  it('the CLIs are told the daemon is unreachable, not that their version is too new; it works again once the daemon is back', async () => {
    try {
      for (const [label, cli] of DOCKER_CLIS) {
        const up = await ps(cli);
        expect([up.code, up.stderr], label).toEqual([0, '']);
      }
      // Both gateways have read the range: a version the daemon does not serve gets its answer.
      for (const through of [gw, quiet]) expect((await at199(through)).status).toBe(400);
      await stopDaemon(sharedDaemon());

      // The 28.x CLI's /_ping gets the gateway's 502, so it sends its own newest version,
      // which the range last read refuses: read again, no connection, 502 saying so.
      const new28 = await ps(DOCKER_CLIS[0][1]);
      expect(new28.code).toBe(1);
      expect(new28.stderr).not.toContain('too new');
      expect(new28.stderr).toMatch(new RegExp(`Error response from daemon: dockgate: upstream ${upstream} unreachable: (ENOENT|ECONNREFUSED) \\(the daemon could not be reached to read its API versions again; when last reached it did not serve 1\\.\\d+\\)`));
      const refused = await at199(gw);
      expect(refused.status).toBe(502);
      expect(refused.text).toMatch(new RegExp(`^\\{"message":"dockgate: upstream ${upstream} unreachable: (ENOENT|ECONNREFUSED) \\(.*when last reached it did not serve 1\\.99\\)"\\}\\n$`));
      // Refused before the policy, as api-version-unknown is: an `error` record with its reason,
      // the raw path, and neither the route's operation nor its apiVersion (observability.md).
      const records = await until(() => {
        const found = gw.stdout().split('\n').filter((l) => l.includes('api-version-unreachable')).map((l) => JSON.parse(l) as Record<string, unknown>);
        return found.length >= 2 ? found : undefined;
      }, 10_000, 'the two api-version-unreachable records');
      for (const record of records) {
        expect(record).toMatchObject({ decision: 'error', status: 502, operation: 'unknown' });
        expect(record.path).toMatch(/^\/v1\.\d+\/containers\/json$/);
        expect(record.apiVersion).toBeUndefined();
        expect(String(record.reason)).toMatch(new RegExp(`^api-version-unreachable: dockgate: upstream ${upstream} unreachable: (ENOENT|ECONNREFUSED) `));
      }

      // The 20.10 CLI sends 1.41, which the range serves: forwarded, the gateway's 502 as before.
      const old2010 = await ps(DOCKER_CLIS[1][1]);
      expect(old2010.code).toBe(1);
      expect(old2010.stderr).not.toContain('too new');
      expect(old2010.stderr).toMatch(/dockgate: upstream unix:\/\/\S+ unreachable: (ENOENT|ECONNREFUSED)/);

      // The quiet gateway learns it from its monitor's /_ping (every 15 s), which makes no connection either.
      await until(() => quiet.stderr().includes('"event":"upstream-down"'), 30_000, "the quiet gateway's upstream-down line");
      const quietRefused = await at199(quiet);
      expect(quietRefused.status).toBe(502);
      expect(quietRefused.text).toMatch(new RegExp(`^\\{"message":"dockgate: upstream ${upstream} unreachable: (ENOENT|ECONNREFUSED) `));

      await restartDaemon(sharedDaemon());
      for (const [label, cli] of DOCKER_CLIS) {
        const back = await ps(cli);
        expect([back.code, back.stderr], label).toEqual([0, '']);
      }
      // The range is read again: a version the daemon does not serve gets its own answer.
      for (const through of [gw, quiet]) {
        const tooNew = await at199(through);
        expect(tooNew.status).toBe(400);
        expect(tooNew.text).toBe('{"message":"client version 1.99 is too new. Maximum supported API version is 1.41"}\n');
      }
    } finally {
      await ensureSharedDaemon();
    }
  });
});
