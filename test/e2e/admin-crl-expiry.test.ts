/**
 * An expired `admin.tls.crl` refuses every scraper of its CA, open keep-alive connections
 * included, as an expired `tls.crl` does on the Docker listener (crl-expiry-cuts.test.ts): the
 * running gateway with a CA directory made by `dockgate certs`, real TLS, curl. A scraper's busy
 * keep-alive connection is closed when the CRL in force reaches its nextUpdate (no reload) and
 * at the reload that installs a CRL already expired; said in `crl-expired-connections-closed`
 * with `listener: "admin"`; a new handshake is refused (OpenSSL's CRL_HAS_EXPIRED). Before, the
 * connection was served on past the nextUpdate (200 every 300 ms) while curl was refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refreshCrl } from '../../src/pki/revoke-cert.js';
import { x509 } from '../../src/pki/webcrypto.js';
import { configYaml, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, RawConnection } from './support/raw-tls.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const DAY = 86_400_000;
let pki: TestPki;
let gw: TestGateway;
let crlFile: string;

const crlOf = (): x509.X509Crl => new x509.X509Crl(readFileSync(crlFile, 'utf8'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The operational log's lines of `event` with `listener: "admin"`, parsed. */
function adminEvents(event: string): Array<Record<string, unknown>> {
  return gw
    .stderr()
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.listener === 'admin');
}

/** How many admin reloads have loaded so far. */
const adminLoads = (): number => gw.stderr().split('admin TLS material loaded').length - 1;

/**
 * The scraper's keep-alive connection to the admin listener, kept busy (GET /metrics every
 * 300 ms: an idle one would be closed by the server's keep-alive timeout, not by a cut).
 */
async function busyScraper(): Promise<{ conn: RawConnection; answers: number[] }> {
  const conn = await RawConnection.tls(pki.bundle('scraper'), gw.adminPort as number);
  const busy = { conn, answers: [] as number[] };
  void (async () => {
    while (!conn.isClosed) {
      conn.write(httpRequest({ method: 'GET', target: '/metrics', headers: [['Host', 'localhost']] }));
      try {
        if ((await conn.response({ timeoutMs: 10_000 })).status === 200) busy.answers.push(Date.now());
      } catch {
        return;
      }
      await sleep(300);
    }
  })();
  await until(() => busy.answers.length > 0, 10_000, 'the first scrape');
  return busy;
}

/** curl GET /metrics as the scraper on a new connection: curl's exit code and the status it got. */
async function curlMetrics(): Promise<{ code: number | null; status: string }> {
  const b = pki.bundle('scraper');
  const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), `https://127.0.0.1:${gw.adminPort}/metrics`]);
  return { code: r.code, status: r.stdout.trim() };
}

beforeAll(async () => {
  pki = await makePki({ scraper: [] });
  const d = pki.dir;
  crlFile = join(d, 'crl.pem');
  // Expires a few seconds after the gateway starts (the CLI takes whole days; its function takes any span).
  // 30 s: the gateway start, the first scrape and curl must come before it, on a loaded machine too.
  await refreshCrl({ dir: d, crlDays: 30_000 / DAY });
  // Only the admin listener has the CRL: the Docker listener's own cuts are crl-expiry-cuts.test.ts's.
  const adminTls = `admin:\n  listen: 127.0.0.1:0\n  tls: { cert: ${d}/server-cert.pem, key: ${d}/server-key.pem, ca: ${d}/ca.pem, crl: ${crlFile} }\n`;
  const yaml = configYaml(pki, socket).replace('admin: 127.0.0.1:0\n', adminTls);
  expect(yaml).toContain(adminTls);
  gw = await startGateway(d, yaml);
  expect(gw.adminPort).toBeGreaterThan(0);
});

afterAll(async () => {
  await gw?.stop();
});

describe('admin.tls.crl: open scraper connections of a CA whose CRL has expired are closed', () => {
  it('when the CRL in force reaches its nextUpdate, with no reload; new handshakes are refused', async () => {
    const nextUpdate = crlOf().nextUpdate as Date;
    const busy = await busyScraper();
    expect((await curlMetrics()).status).toBe('200');

    // Closed at the nextUpdate (before: scraped on and on); never before it.
    await until(() => busy.conn.isClosed, 60_000, 'the scraper connection to be closed');
    const [line] = await until(() => (adminEvents('crl-expired-connections-closed').length > 0 ? adminEvents('crl-expired-connections-closed') : undefined), 10_000, 'the admin crl-expired-connections-closed line');
    expect(line).toMatchObject({ level: 40, closed: 1, certificates: [expect.stringMatching(/^scraper \(serial [0-9a-f]+\): 1$/)] });
    expect(Date.parse(String(line?.time))).toBeGreaterThanOrEqual(nextUpdate.getTime());
    expect(busy.answers.length).toBeGreaterThan(0);

    // A new handshake: refused by OpenSSL, and said.
    const again = await curlMetrics();
    expect(again.code).not.toBe(0);
    expect(again.status).not.toBe('200');
    await until(() => adminEvents('tls-handshake-failed').some((e) => e.reason === 'other' && String(e.detail).includes('CRL_HAS_EXPIRED')), 10_000, 'the refused handshake');
  });

  it('when a reload installs a CRL that has already expired', async () => {
    const loads = adminLoads();
    await refreshCrl({ dir: pki.dir, crlDays: 1 });
    await until(() => adminLoads() > loads, 15_000, 'the fresh CRL to load');
    expect((await curlMetrics()).status).toBe('200');
    const busy = await busyScraper();

    // Signed after the CRL in force (an older one is refused as a rollback), expired already.
    await sleep(Math.max(0, crlOf().thisUpdate.getTime() + 4500 - Date.now()));
    const before = adminLoads();
    await refreshCrl({ dir: pki.dir, now: new Date(Date.now() - 3000), crlDays: 1000 / DAY });
    await until(() => busy.conn.isClosed, 60_000, 'the scraper connection to be closed');
    await until(() => adminEvents('crl-expired-connections-closed').length === 2, 10_000, 'the second admin crl-expired-connections-closed line');
    // Closed by that reload, not by a later timer: said right after the reload's own line and the
    // crl-lockout line of the CRL it installed (cause, then effect; before, the cut came first and
    // the admin listener logged no crl-lockout line).
    await until(() => adminLoads() > before, 10_000, 'the expired CRL to load');
    const lines = gw.stderr().split('\n');
    const cut = lines.map((l) => l.includes('"event":"crl-expired-connections-closed"')).lastIndexOf(true);
    expect(lines[cut - 2]).toContain('"msg":"admin TLS material loaded"');
    expect(JSON.parse(lines[cut - 1] ?? '{}')).toMatchObject({ event: 'crl-lockout', listener: 'admin', level: 50, reason: 'crl-expired', msg: expect.stringMatching(/^admin\.tls\.crl: the CRL of .* in force expired on .* every scraper of that CA is refused \(CRL_HAS_EXPIRED\)/) });
    expect(adminEvents('crl-lockout')).toHaveLength(1);
    expect(adminEvents('crl-expired-connections-closed')[1]).toMatchObject({ closed: 1, certificates: [expect.stringMatching(/^scraper \(serial [0-9a-f]+\): 1$/)] });
    expect((await curlMetrics()).status).not.toBe('200');
  });
});
