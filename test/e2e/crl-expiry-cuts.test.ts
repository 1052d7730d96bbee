/**
 * An expired CRL refuses every client of its CA, open connections included (rev-reload F3):
 * OpenSSL refuses new handshakes past the CRL's nextUpdate, and the gateway closes the open
 * keep-alive connections and streams of that CA then, as `crl-expired`, both when the CRL in
 * force reaches its nextUpdate (no reload) and when a reload installs one already expired.
 * Before, those connections went on being served (200 on a keep-alive connection 10 s after).
 * Real TLS, the real docker CLI's `events` stream and a real dockerd.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refreshCrl } from '../../src/pki/revoke-cert.js';
import { x509 } from '../../src/pki/webcrypto.js';
import { background, killAll } from './support/background.js';
import { configYaml, dockgate, makePki, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, RawConnection } from './support/raw-tls.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const POLICY = resolve('config/policies/admin.yaml');
const DAY = 86_400_000;
const started: ChildProcessWithoutNullStreams[] = [];
let pki: TestPki;
let gw: TestGateway;
let crlFile: string;

const nextUpdateOf = (): Date => new x509.X509Crl(readFileSync(crlFile, 'utf8')).nextUpdate as Date;
const thisUpdateOf = (): Date => new x509.X509Crl(readFileSync(crlFile, 'utf8')).thisUpdate;
const stderrLines = (needle: string): string[] => gw.stderr().split('\n').filter((l) => l.includes(needle));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A keep-alive connection of bob's kept busy (a ping every 300 ms), with the time of each answer. */
interface Busy {
  conn: RawConnection;
  answers: number[];
}

async function busyConnection(): Promise<Busy> {
  const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
  const busy: Busy = { conn, answers: [] };
  void (async () => {
    while (!conn.isClosed) {
      conn.write(httpRequest({ method: 'GET', target: '/_ping' }));
      try {
        if ((await conn.response({ timeoutMs: 5000 })).status === 200) busy.answers.push(Date.now());
      } catch {
        return;
      }
      await sleep(300);
    }
  })();
  await until(() => busy.answers.length > 0, 5000, 'the first ping');
  return busy;
}

/** bob's busy keep-alive connection and his `docker events` stream. */
async function openConnections(): Promise<{ busy: Busy; events: ReturnType<typeof background> }> {
  const busy = await busyConnection();
  const events = background(started, 'docker', [...tlsArgs(pki.bundle('bob'), gw.port), 'events']);
  // The CLI's stream is open once it has not exited for a second.
  await sleep(1000);
  expect(events.child.exitCode).toBeNull();
  return { busy, events };
}

/** The SystemEvents records ended by `endedBy`. */
const eventsEndedBy = (endedBy: string): Record<string, unknown>[] =>
  gw.stdout().split('\n').filter((l) => l.includes('"SystemEvents"')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.endedBy === endedBy);

beforeAll(async () => {
  pki = await makePki({ bob: ['admin'] });
  const d = pki.dir;
  crlFile = join(d, 'crl.pem');
  gw = await startGateway(d, configYaml(pki, socket, `policy: ${POLICY}\n`, { crl: crlFile }));
});

afterAll(async () => {
  killAll(started);
  await gw?.stop();
});

describe('open connections of a CA whose CRL has expired are closed', () => {
  it('when the CRL in force reaches its nextUpdate, with no reload', async () => {
    // Valid for 9 more seconds; signed a second after the CRL in force (not the same thisUpdate).
    await sleep(Math.max(0, thisUpdateOf().getTime() + 1500 - Date.now()));
    const loads = stderrLines('"TLS material loaded"').length;
    await refreshCrl({ dir: pki.dir, crlDays: 9_000 / DAY });
    const nextUpdate = nextUpdateOf();
    await until(() => stderrLines('"TLS material loaded"').length > loads, 15_000, 'the short CRL to load');
    const { busy, events } = await openConnections();
    expect(Date.now()).toBeLessThan(nextUpdate.getTime());

    // Served until the nextUpdate, closed then (before: answered on and on). How soon after it
    // depends on the timer and the machine's load: not asserted; the cut is not early.
    await Promise.race([busy.conn.closed, sleep(nextUpdate.getTime() + 10_000 - Date.now())]);
    expect(busy.conn.isClosed).toBe(true);
    await Promise.race([events.exited, sleep(5000)]);
    expect(events.child.exitCode, 'docker events ended').not.toBeNull();
    await until(() => eventsEndedBy('crl-expired').length === 1, 5000, 'the events record');
    const line = JSON.parse(stderrLines('"crl-expired-connections-closed"')[0] ?? '{}') as { closed?: number; certificates?: string[]; time?: unknown };
    expect(Date.parse(String(line.time))).toBeGreaterThanOrEqual(nextUpdate.getTime());
    expect(line.closed).toBe(2);
    expect(line.certificates?.[0]).toMatch(/^bob \(serial [0-9a-f]+\): 2$/);
  });

  it('when a reload installs a CRL that has already expired', async () => {
    const refreshed = await dockgate(['certs', 'crl', '--dir', pki.dir]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const loads = stderrLines('"TLS material loaded"').length;
    await until(() => stderrLines('"TLS material loaded"').length > loads, 15_000, 'the fresh CRL to load');
    const { busy, events } = await openConnections();

    // Signed after the CRL in force (an older one is refused as a rollback), expired already.
    await sleep(Math.max(0, thisUpdateOf().getTime() + 4500 - Date.now()));
    await refreshCrl({ dir: pki.dir, now: new Date(Date.now() - 3000), crlDays: 1000 / DAY });
    // Picked up by the file watch (within about 3 s; not asserted), the connection closed at that reload.
    await Promise.race([busy.conn.closed, sleep(15_000)]);
    expect(busy.conn.isClosed).toBe(true);
    await Promise.race([events.exited, sleep(5000)]);
    expect(events.child.exitCode, 'docker events ended').not.toBeNull();
    await until(() => eventsEndedBy('crl-expired').length === 2, 5000, 'the events record');
    expect(stderrLines('"crl-expired-connections-closed"')).toHaveLength(2);
    expect(stderrLines('"crl-lockout"').length).toBeGreaterThan(0);
  });
});
