import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { boundedLabel, nameLabel } from '../../../src/observe/labels.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { facts, operation, record } from './fixtures.js';

/** Value of one series of a metric, by exact label set (undefined when absent). */
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  // Histogram series (_bucket, _count, _sum) live under the histogram's own name.
  const base = name.replace(/_(bucket|count|sum)$/, '');
  const metric = registry.getSingleMetric(name) ?? registry.getSingleMetric(base);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const match = data.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === name && Object.keys(labels).length === Object.keys(v.labels).length && Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x),
  );
  return match?.value;
}

const create = createMetrics.bind(null);
const deny = { forward: false, outcome: 'deny' as const, rule: 'no-privileged', code: 'privileged', reason: 'privileged containers are not allowed' };

function setup(identityLabel: boolean, extra: { now?: () => number } = {}) {
  const registry = new Registry();
  const metrics = create(registry, { identityLabel, version: '0.1.0-test', ...extra });
  return { registry, metrics };
}

describe('createMetrics', () => {
  it('produces an exposition that promtool accepts', async () => {
    const { registry, metrics } = setup(true);
    metrics.requestFinished(record());
    metrics.requestFinished(record({ outcome: 'deny', decision: deny, status: 403 }));
    metrics.handshakeFailed('unknown-ca');
    metrics.upstreamPing(0.002, true);
    metrics.policyReloaded('success', 'sha256:abc');
    metrics.setCertificateExpiry('server', 'gateway', new Date('2030-01-01T00:00:00Z'));
    metrics.replaceCertificateExpiry('crl', [{ name: 'crl', notAfter: new Date('2030-01-01T00:00:00Z') }]);
    metrics.tlsReloaded('failure');
    metrics.clientSeen('x\n{"type":"decision"}\u202e', new Date('2030-01-01T00:00:00Z'));
    metrics.streamStarted('ContainerAttach', true);
    const text = await registry.metrics();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(text).toContain('dockgate_build_info{version="0.1.0-test",node="' + process.version + '"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('counts requests, denials, bytes and durations with the right labels', async () => {
    const { registry, metrics } = setup(false);
    metrics.requestFinished(record());
    metrics.requestFinished(record({ bytesOut: 100 }));
    const create = operation('ContainerCreate', 'POST', '/containers/create');
    metrics.requestFinished(
      record({ method: 'POST', facts: facts(create), outcome: 'deny', decision: deny, status: 403, bytesIn: 50, bytesOut: 80 }),
    );
    metrics.requestFinished(
      record({ method: 'POST', facts: facts(create), outcome: 'would-deny', decision: { ...deny, outcome: 'would-deny', forward: true }, status: 201 }),
    );
    const list = { operation: 'ContainerList', method: 'GET', decision: 'allow', status_class: '2xx' };
    expect(await value(registry, 'dockgate_requests_total', list)).toBe(2);
    expect(await value(registry, 'dockgate_requests_total', { ...list, operation: 'ContainerCreate', method: 'POST', decision: 'deny', status_class: '4xx' })).toBe(1);
    expect(await value(registry, 'dockgate_denials_total', { rule: 'no-privileged', code: 'privileged', decision: 'deny' })).toBe(1);
    expect(await value(registry, 'dockgate_denials_total', { rule: 'no-privileged', code: 'privileged', decision: 'would-deny' })).toBe(1);
    expect(await value(registry, 'dockgate_response_bytes_total', { operation: 'ContainerList' })).toBe(1334);
    expect(await value(registry, 'dockgate_request_bytes_total', { operation: 'ContainerCreate' })).toBe(50);
    const text = await registry.metrics();
    expect(text).toContain('dockgate_request_duration_seconds_bucket{le="0.005",operation="ContainerList"} 2');
    expect(text).toContain('dockgate_request_duration_seconds_bucket{le="0.0025",operation="ContainerList"} 0');
    expect(text).not.toContain('identity=');
  });

  it('labels identity only when switched on', async () => {
    const on = setup(true);
    on.metrics.requestFinished(record());
    expect(await value(on.registry, 'dockgate_requests_total', { operation: 'ContainerList', method: 'GET', decision: 'allow', status_class: '2xx', identity: 'alice' })).toBe(1);
    on.metrics.requestFinished(record({ identity: undefined, outcome: 'malformed', decision: undefined, facts: undefined, status: 400 }));
    expect(await value(on.registry, 'dockgate_requests_total', { operation: 'unknown', method: 'GET', decision: 'malformed', status_class: '4xx', identity: 'unknown' })).toBe(1);
  });

  it('never turns a raw path, id or query into a label', async () => {
    const { registry, metrics } = setup(true);
    const secretTarget = '/v1.41/containers/deadbeefcafe/json?token=s3cr3t';
    metrics.requestFinished(record({ rawTarget: secretTarget, facts: undefined, decision: undefined, outcome: 'malformed', status: 400 }));
    metrics.requestFinished(record({ rawTarget: secretTarget, facts: facts(undefined, { path: '/containers/deadbeefcafe/json' }), status: 404 }));
    metrics.streamStarted(undefined, false);
    metrics.streamEnded(undefined, false, 1);
    const text = await registry.metrics();
    expect(text).not.toContain('deadbeefcafe');
    expect(text).not.toContain('s3cr3t');
    expect(await value(registry, 'dockgate_requests_total', { operation: 'unknown', method: 'GET', decision: 'allow', status_class: '4xx', identity: 'alice' })).toBe(1);
  });

  it('caps the number of distinct operation, identity and upstream-error values', async () => {
    const { registry, metrics } = setup(true);
    for (let i = 0; i < 300; i++) {
      metrics.requestFinished(record({ facts: facts(operation(`Op${i}`)) }));
      metrics.upstreamError(`kind-${i}`);
    }
    const ops = new Set((await registry.getSingleMetric('dockgate_requests_total')!.get()).values.map((v) => v.labels.operation));
    expect(ops.size).toBe(257);
    expect(ops.has('other')).toBe(true);
    const kinds = (await registry.getSingleMetric('dockgate_upstream_errors_total')!.get()).values;
    expect(kinds.length).toBe(65);
    // unreachable and failed hold two of the 64 places from the start.
    expect(kinds.find((v) => v.labels.kind === 'other')?.value).toBe(300 - 62);
  });

  it('exports both upstream error kinds at 0 before any error', async () => {
    const { registry, metrics } = setup(false);
    expect(await value(registry, 'dockgate_upstream_errors_total', { kind: 'unreachable' })).toBe(0);
    expect(await value(registry, 'dockgate_upstream_errors_total', { kind: 'failed' })).toBe(0);
    metrics.upstreamError('failed');
    expect(await value(registry, 'dockgate_upstream_errors_total', { kind: 'failed' })).toBe(1);
    expect(await value(registry, 'dockgate_upstream_errors_total', { kind: 'unreachable' })).toBe(0);
  });

  it('tracks open connections, streams and hijacks and observes stream lifetimes', async () => {
    const { registry, metrics } = setup(false);
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionClosed();
    metrics.streamStarted('ContainerAttach', true);
    metrics.streamStarted('ContainerLogs', false);
    metrics.streamEnded('ContainerLogs', false, 42);
    expect(await value(registry, 'dockgate_open_connections', {})).toBe(1);
    expect(await value(registry, 'dockgate_open_streams', {})).toBe(1);
    expect(await value(registry, 'dockgate_open_hijacked_sessions', {})).toBe(1);
    expect(await value(registry, 'dockgate_stream_duration_seconds_bucket', { operation: 'ContainerLogs', hijack: 'false', le: '60' })).toBe(1);
    expect(await value(registry, 'dockgate_stream_duration_seconds_bucket', { operation: 'ContainerLogs', hijack: 'false', le: '10' })).toBe(0);
  });

  it('shows only the latest policy version and counts reloads by result', async () => {
    const { registry, metrics } = setup(false);
    expect(await value(registry, 'dockgate_admin_tls_last_reload_successful', {})).toBe(1);
    metrics.adminTlsReloaded('failure');
    expect(await value(registry, 'dockgate_admin_tls_last_reload_successful', {})).toBe(0);
    metrics.adminTlsReloaded('success');
    expect(await value(registry, 'dockgate_admin_tls_last_reload_successful', {})).toBe(1);
    metrics.policyReloaded('success', 'v1');
    expect(await value(registry, 'dockgate_policy_last_reload_successful', {})).toBe(1);
    metrics.policyReloaded('failure');
    expect(await value(registry, 'dockgate_policy_last_reload_successful', {})).toBe(0);
    metrics.policyReloaded('success', 'v2');
    expect(await value(registry, 'dockgate_policy_last_reload_successful', {})).toBe(1);
    const info = (await registry.getSingleMetric('dockgate_policy_info')!.get()).values;
    expect(info).toEqual([{ labels: { version: 'v2' }, value: 1 }]);
    expect(await value(registry, 'dockgate_policy_reloads_total', { result: 'success' })).toBe(2);
    expect(await value(registry, 'dockgate_policy_reloads_total', { result: 'failure' })).toBe(1);
  });

  it('reports upstream up/down and handshake failures by reason', async () => {
    const { registry, metrics } = setup(false);
    expect(await value(registry, 'dockgate_upstream_up', {})).toBe(0);
    metrics.upstreamPing(0.003, true);
    expect(await value(registry, 'dockgate_upstream_up', {})).toBe(1);
    metrics.upstreamPing(1, false);
    expect(await value(registry, 'dockgate_upstream_up', {})).toBe(0);
    expect(await value(registry, 'dockgate_upstream_ping_duration_seconds_count', {})).toBe(1);
    metrics.handshakeFailed('expired');
    metrics.handshakeFailed('expired');
    metrics.handshakeFailed('no-certificate');
    expect(await value(registry, 'dockgate_tls_handshake_failures_total', { reason: 'expired' })).toBe(2);
    expect(await value(registry, 'dockgate_tls_handshake_failures_total', { reason: 'no-certificate' })).toBe(1);
    metrics.adminHandshakeFailed('source-limit');
    expect(await value(registry, 'dockgate_admin_tls_handshake_failures_total', { reason: 'source-limit' })).toBe(1);
    expect(await value(registry, 'dockgate_tls_handshake_failures_total', { reason: 'source-limit' })).toBeUndefined();
  });

  it('keeps client certificate expiry only for recently seen clients', async () => {
    let now = 0;
    const { registry, metrics } = setup(false, { now: () => now });
    metrics.setCertificateExpiry('ca', 'dockgate CA', new Date('2035-01-01T00:00:00Z'));
    metrics.clientSeen('alice', new Date('2030-01-01T00:00:00Z'));
    now = 23 * 3600 * 1000;
    metrics.clientSeen('bob', new Date('2031-01-01T00:00:00Z'));
    expect(await value(registry, 'dockgate_certificate_expiry_timestamp_seconds', { kind: 'client', name: 'alice' })).toBe(1893456000);
    now = 24 * 3600 * 1000 + 1;
    // alice is past the 24 h TTL at scrape time; bob and the CA stay.
    const series = (await registry.getSingleMetric('dockgate_certificate_expiry_timestamp_seconds')!.get()).values.map((v) => v.labels.name);
    expect(series.sort()).toEqual(['bob', 'dockgate%20CA']);
  });

  it('keeps at most clientCertMax client series', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { identityLabel: false, version: 't', clientCertMax: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) metrics.clientSeen(name, new Date('2030-01-01T00:00:00Z'));
    const series = (await registry.getSingleMetric('dockgate_certificate_expiry_timestamp_seconds')!.get()).values.map((v) => v.labels.name);
    expect(series.sort()).toEqual(['c', 'd', 'e']);
  });

  it('counts TLS reloads by result (both from the start) and shows whether the last one succeeded', async () => {
    const { registry, metrics } = setup(false);
    expect(await value(registry, 'dockgate_tls_reloads_total', { result: 'success' })).toBe(0);
    expect(await value(registry, 'dockgate_tls_reloads_total', { result: 'failure' })).toBe(0);
    const steps: Array<['success' | 'failure', number, number, number]> = [
      // result, then: success count, failure count, last reload successful
      ['success', 1, 0, 1],
      ['failure', 1, 1, 0],
      ['failure', 1, 2, 0],
      ['success', 2, 2, 1],
    ];
    for (const [result, ok, failed, last] of steps) {
      metrics.tlsReloaded(result);
      expect(await value(registry, 'dockgate_tls_reloads_total', { result: 'success' }), result).toBe(ok);
      expect(await value(registry, 'dockgate_tls_reloads_total', { result: 'failure' }), result).toBe(failed);
      expect(await value(registry, 'dockgate_tls_last_reload_successful', {}), result).toBe(last);
    }
  });

  it('dockgate_tls_crls: how many CRLs are in force, 0 when revocation is off', async () => {
    const { registry, metrics } = setup(false);
    expect(await value(registry, 'dockgate_tls_crls', {})).toBe(0);
    metrics.setCrlsInForce(2);
    expect(await value(registry, 'dockgate_tls_crls', {})).toBe(2);
    metrics.setCrlsInForce(0);
    expect(await value(registry, 'dockgate_tls_crls', {})).toBe(0);
  });

  it('exports CRL nextUpdate as kind="crl" and drops the series of a CRL or CA a reload removed', async () => {
    const { registry, metrics } = setup(false);
    const expiry = async () =>
      Object.fromEntries(
        (await registry.getSingleMetric('dockgate_certificate_expiry_timestamp_seconds')!.get()).values.map((v) => [`${v.labels.kind}/${v.labels.name}`, v.value]),
      );
    metrics.clientSeen('alice', new Date('2030-01-01T00:00:00Z'));
    metrics.replaceCertificateExpiry('ca', [
      { name: 'ca', notAfter: new Date('2035-01-01T00:00:00Z') },
      { name: 'ca-1', notAfter: new Date('2036-01-01T00:00:00Z') },
    ]);
    metrics.replaceCertificateExpiry('crl', [
      { name: 'crl', notAfter: new Date('2026-07-01T00:00:00Z') },
      { name: 'crl-1', notAfter: new Date('2026-07-02T00:00:00Z') },
    ]);
    expect(await expiry()).toEqual({ 'client/alice': 1893456000, 'ca/ca': 2051222400, 'ca/ca-1': 2082758400, 'crl/crl': 1782864000, 'crl/crl-1': 1782950400 });
    // The reload keeps one CA and one (renewed) CRL: the others' series go, the client's stays.
    metrics.replaceCertificateExpiry('ca', [{ name: 'ca', notAfter: new Date('2035-01-01T00:00:00Z') }]);
    metrics.replaceCertificateExpiry('crl', [{ name: 'crl', notAfter: new Date('2026-07-31T00:00:00Z') }]);
    expect(await expiry()).toEqual({ 'client/alice': 1893456000, 'ca/ca': 2051222400, 'crl/crl': 1785456000 });
    metrics.replaceCertificateExpiry('crl', []);
    expect(await expiry()).toEqual({ 'client/alice': 1893456000, 'ca/ca': 2051222400 });
  });

  it('dockgate_audit_records_lost_total grows by what the audit log lost since the last scrape', async () => {
    const { registry, metrics } = setup(false);
    const health = { backlogBytes: 0, lostRecords: 0 };
    metrics.watchAudit(() => health);
    const lost = () => value(registry, 'dockgate_audit_records_lost_total', {});
    expect(await lost()).toBe(0);
    health.lostRecords = 3;
    expect(await lost()).toBe(3);
    // A second scrape with nothing new lost adds nothing.
    expect(await lost()).toBe(3);
    health.lostRecords = 5;
    expect(await lost()).toBe(5);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE dockgate_audit_records_lost_total counter');
    expect(text).toMatch(/^# HELP dockgate_audit_records_lost_total Audit records lost/m);
    expect(text).toMatch(/^dockgate_audit_records_lost_total 5$/m);
  });

  it('dockgate_log_lines_dropped_total grows by what the operational log dropped since the last scrape', async () => {
    const { registry, metrics } = setup(false);
    let dropped = 0;
    const count = () => value(registry, 'dockgate_log_lines_dropped_total', {});
    // Present from start, 0 until a sink is watched.
    expect(await count()).toBe(0);
    metrics.watchLogDrops(() => dropped);
    dropped = 7;
    expect(await count()).toBe(7);
    expect(await count()).toBe(7);
    dropped = 12;
    expect(await count()).toBe(12);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE dockgate_log_lines_dropped_total counter');
    expect(text).toMatch(/^dockgate_log_lines_dropped_total 12$/m);
  });
});

describe('dockgate_admin_tls_cas_refused', () => {
  it('reads the admin listener\'s lockouts at each scrape, apart from dockgate_tls_cas_refused', async () => {
    const { registry, metrics } = setup(false);
    let counts: Record<string, number> = { 'no-crl': 0, 'crl-expired': 0, 'crl-not-yet-valid': 0 };
    metrics.watchCrlLockouts(() => ({ 'no-crl': 0, 'crl-expired': 0, 'crl-not-yet-valid': 0 }));
    metrics.watchAdminCrlLockouts(() => counts);
    const admin = (reason: string) => value(registry, 'dockgate_admin_tls_cas_refused', { reason });
    expect(await admin('crl-expired')).toBe(0);
    counts = { 'no-crl': 1, 'crl-expired': 2, 'crl-not-yet-valid': 0 };
    expect(await admin('crl-expired')).toBe(2);
    expect(await admin('no-crl')).toBe(1);
    expect(await value(registry, 'dockgate_tls_cas_refused', { reason: 'crl-expired' })).toBe(0);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE dockgate_admin_tls_cas_refused gauge');
    expect(text).toMatch(/^dockgate_admin_tls_cas_refused\{reason="crl-not-yet-valid"\} 0$/m);
  });
});

describe('nameLabel (certificate names, policy version)', () => {
  const FORGED = 'x\n{"type":"decision","decision":"allow"}\u2028\u009b31m\u202e';
  it.each([
    ['alice', 'alice'],
    ['svc-ci.build@example.org/+:x', 'svc-ci.build@example.org/+:x'],
    ['dockgate CA', 'dockgate%20CA'],
    [FORGED, 'x%0A%7B%22type%22:%22decision%22%2C%22decision%22:%22allow%22%7D%E2%80%A8%C2%9B31m%E2%80%AE'],
    ['evil\u202egnp.exe', 'evil%E2%80%AEgnp.exe'],
    ['\u2066isolate\u2069 \u200f', '%E2%81%A6isolate%E2%81%A9%20%E2%80%8F'],
    ['{a="b"}', '%7Ba%3D%22b%22%7D'],
    ['Zoë', 'Zo%C3%AB'],
    ['\u{1f600}', '%F0%9F%98%80'],
    ['100%', '100%25'],
    ['alice_x', 'alice_x'],
    ['alice\u0000x', 'alice%00x'],
    ['', 'unknown'],
    ['a'.repeat(200), 'a'.repeat(128)],
    ['\u{1f600}'.repeat(200), '%F0%9F%98%80'.repeat(128)],
  ])('%j -> %j', (raw, want) => {
    expect(nameLabel(raw)).toBe(want);
  });

  // When every such character became `_`, two people shared one series (rev-identity F3).
  it('gives distinct names distinct values', () => {
    const names = ['Jörg', 'Jürg', 'J_rg', 'alice_x', 'alice\u0000x', 'alice x', 'alice%20x', 'alice%x', '\u{1f600}', '\u{1f601}'];
    expect(new Set(names.map(nameLabel)).size).toBe(names.length);
  });

  it('reduces exactly like the identity label of dockgate_requests_total (labels.ts)', () => {
    const identity = boundedLabel(Number.MAX_SAFE_INTEGER, 128);
    for (const raw of ['alice', 'dockgate CA', FORGED, 'Zoë', '\u{1f600}', 'a'.repeat(200), '\u0000\u007f']) {
      expect(nameLabel(raw), JSON.stringify(raw)).toBe(identity.value(raw));
    }
  });

  it('a forged CN keeps no quote, brace, control or bidi override in the exposition', async () => {
    const { registry, metrics } = setup(false);
    metrics.clientSeen(FORGED, new Date('2030-01-01T00:00:00Z'));
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith('dockgate_certificate_expiry_timestamp_seconds{'));
    expect(line).toBe('dockgate_certificate_expiry_timestamp_seconds{kind="client",name="x%0A%7B%22type%22:%22decision%22%2C%22decision%22:%22allow%22%7D%E2%80%A8%C2%9B31m%E2%80%AE"} 1893456000');
  });
});
