/**
 * The admin listener's own TLS files warn before they expire, as the Docker listener's do
 * (rev-observe F1: with the scrapers' CA of observability.md, its 30-day CRL expired silently
 * and every scrape was refused): `tls-expiry` lines with `listener: "admin"` naming the
 * `admin.tls` file, at start and after a reload, and expiry series of kind `admin-server`,
 * `admin-ca` and `admin-crl`, apart from the Docker listener's `server`, `ca` and `crl`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockgate, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { tlsRequest } from './support/tls-request.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let scrapers: TestPki;
let gw: TestGateway;

/** The `tls-expiry` lines of the operational log so far, parsed. */
function expiryLines(): Array<Record<string, unknown>> {
  return gw.stderr().split('\n').filter((l) => l.includes('"tls-expiry"')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The value of the expiry series of `kind` and `name` on /metrics, scraped as the scrapers' `prometheus`. */
async function expirySeries(kind: string, name: string): Promise<number | undefined> {
  const res = await tlsRequest(scrapers.bundle('prometheus'), gw.adminPort as number, { path: '/metrics' });
  expect(res.status).toBe(200);
  const m = new RegExp(`^dockgate_certificate_expiry_timestamp_seconds\\{kind="${kind}",name="${name}"\\} (\\d+)$`, 'm').exec(res.body);
  return m ? Number(m[1]) : undefined;
}

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  // The scrapers' own CA, as observability.md sets it up, its CRL re-signed to end in 2 days.
  scrapers = await makePki({ prometheus: [] });
  const resigned = await dockgate(['certs', 'crl', '--dir', scrapers.dir, '--crl-days', '2']);
  expect(resigned.code, resigned.stderr).toBe(0);
  const d = scrapers.dir;
  const adminTls = `admin:\n  listen: 127.0.0.1:0\n  tls: { cert: ${d}/server-cert.pem, key: ${d}/server-key.pem, ca: ${d}/ca.pem, crl: ${d}/crl.pem }\n`;
  gw = await startGateway(pki.dir, configYaml(pki, socket).replace('admin: 127.0.0.1:0\n', adminTls));
  expect(gw.adminPort).toBeGreaterThan(0);
});

afterAll(async () => {
  await gw?.stop();
});

describe('admin.tls files near their end', () => {
  it('at start: a tls-expiry warning for admin.tls.crl, with listener admin, and no admin line for the Docker listener\'s files', async () => {
    const line = await until(() => expiryLines().find((l) => l.listener === 'admin'), 10_000, 'the admin tls-expiry line');
    expect(line).toMatchObject({ level: 40, listener: 'admin', kind: 'CRL', file: join(scrapers.dir, 'crl.pem'), daysLeft: 1 });
    expect(String(line.msg)).toContain(join(scrapers.dir, 'crl.pem'));
    // The Docker listener's files (no CRL, a server certificate and CA of years) warn nothing.
    expect(expiryLines().filter((l) => l.listener === undefined)).toEqual([]);
  });

  it('the expiry gauge has the admin listener\'s server certificate, CA and CRL, apart from the Docker listener\'s', async () => {
    const crl = await expirySeries('admin-crl', 'crl');
    expect(crl).toBeGreaterThan(Date.now() / 1000 + 86_400);
    expect(crl).toBeLessThanOrEqual(Date.now() / 1000 + 2 * 86_400);
    expect(await expirySeries('admin-server', 'server')).toBeGreaterThan(Date.now() / 1000);
    expect(await expirySeries('admin-ca', 'ca')).toBeGreaterThan(Date.now() / 1000);
    // The Docker listener's server certificate is its own series (another file, another date).
    expect(await expirySeries('server', 'server')).toBeGreaterThan(Date.now() / 1000);
  });

  it('after a reload: a new admin CRL is warned about and replaces the series', async () => {
    const before = expiryLines().length;
    const resigned = await dockgate(['certs', 'crl', '--dir', scrapers.dir, '--crl-days', '1']);
    expect(resigned.code, resigned.stderr).toBe(0);
    const line = await until(() => expiryLines().slice(before).find((l) => l.listener === 'admin' && l.daysLeft === 0), 20_000, 'the reloaded admin tls-expiry line');
    expect(line).toMatchObject({ listener: 'admin', kind: 'CRL', file: join(scrapers.dir, 'crl.pem') });
    expect(await expirySeries('admin-crl', 'crl')).toBeLessThanOrEqual(Date.now() / 1000 + 86_400);
  });
});
