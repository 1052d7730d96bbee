import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../../../src/observe/audit-log-types.js';
import type { AuditRecord } from '../../../src/observe/audit-record.js';
import type { OperationalLog } from '../../../src/observe/logger.js';
import { createMetrics, type GatewayMetrics } from '../../../src/observe/metrics.js';
import type { HandshakeReports } from '../../../src/core/observer.js';
import { createObserver } from '../../../src/observe/observer.js';
import { alice, record } from './fixtures.js';

function memoryAudit(): AuditLog & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { records, ready: Promise.resolve(), write: (r) => records.push(r), reopen() {}, flush: async () => {}, close: async () => ({ records: 0, bytes: 0 }), health: () => ({ backlogBytes: 0, lostRecords: 0 }) };
}

function memoryLog(): OperationalLog & { lines: { level: string; obj: object; msg: string }[] } {
  const lines: { level: string; obj: object; msg: string }[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

async function gauge(registry: Registry, name: string): Promise<number | undefined> {
  return (await registry.getSingleMetric(name)!.get()).values[0]?.value;
}

describe('createObserver', () => {
  it('writes exactly one audit record and counts each finished request', async () => {
    const registry = new Registry();
    const audit = memoryAudit();
    const observer = createObserver({ metrics: createMetrics(registry, { identityLabel: false, version: 't' }), audit });
    observer.requestFinished(record({ requestId: 'a' }));
    observer.requestFinished(record({ requestId: 'b', outcome: 'error', decision: undefined, status: 502, reason: 'upstream refused' }));
    expect(audit.records.map((r) => [r.requestId, r.decision, r.status])).toEqual([
      ['a', 'allow', 200],
      ['b', 'error', 502],
    ]);
    const total = (await registry.getSingleMetric('dockgate_requests_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    expect(total).toBe(2);
  });

  it('never throws, and a failing metric does not cost the audit record', () => {
    const boom = () => {
      throw new Error('boom');
    };
    const metrics = new Proxy({}, { get: () => boom }) as GatewayMetrics;
    const audit = memoryAudit();
    const log = memoryLog();
    const observer = createObserver({ metrics, audit, log });
    expect(() => {
      observer.connectionOpened();
      observer.handshakeFailed('expired', 'x');
      observer.adminHandshakes.handshakeFailed('expired', 'x');
      observer.adminHandshakes.sourceBlocked('10.0.0.1', 51, { expired: 51 }, 30_000);
      observer.clientSeen(alice);
      observer.streamOpened('ContainerAttach', true)();
      observer.upstreamError('ECONNREFUSED');
      observer.requestFinished(record());
    }).not.toThrow();
    expect(audit.records).toHaveLength(1);
    expect(log.lines.filter((l) => l.level === 'error').length).toBeGreaterThanOrEqual(6);
  });

  it('tracks stream gauges, measures with the injected clock and ignores a second close', async () => {
    const registry = new Registry();
    let now = 1000;
    const observer = createObserver({ metrics: createMetrics(registry, { identityLabel: false, version: 't' }), audit: memoryAudit(), clock: () => now });
    const end = observer.streamOpened('ContainerAttach', true);
    expect(await gauge(registry, 'dockgate_open_streams')).toBe(1);
    expect(await gauge(registry, 'dockgate_open_hijacked_sessions')).toBe(1);
    now += 90_000;
    end();
    end();
    expect(await gauge(registry, 'dockgate_open_streams')).toBe(0);
    expect(await gauge(registry, 'dockgate_open_hijacked_sessions')).toBe(0);
    const text = await registry.metrics();
    expect(text).toContain('dockgate_stream_duration_seconds_sum{operation="ContainerAttach",hijack="true"} 90');
    expect(text).toContain('dockgate_stream_duration_seconds_count{operation="ContainerAttach",hijack="true"} 1');
  });

  it('sends handshake failures to the operational log, sampled, never to the audit log', async () => {
    const registry = new Registry();
    const audit = memoryAudit();
    const log = memoryLog();
    let now = 0;
    const observer = createObserver({ metrics: createMetrics(registry, { identityLabel: false, version: 't' }), audit, log, clock: () => now, handshakeLogPerMinute: 2 });
    for (let i = 0; i < 5; i++) observer.handshakeFailed('unknown-ca', `peer 10.0.0.${i}`, `10.0.0.${i}:4000${i}`);
    now = 60_000;
    observer.handshakeFailed('unknown-ca', 'later');
    expect(audit.records).toHaveLength(0);
    expect(log.lines.map((l) => l.obj)).toEqual([
      { event: 'tls-handshake-failed', reason: 'unknown-ca', detail: 'peer 10.0.0.0', client: '10.0.0.0:40000', suppressed: 0 },
      { event: 'tls-handshake-failed', reason: 'unknown-ca', detail: 'peer 10.0.0.1', client: '10.0.0.1:40001', suppressed: 0 },
      { event: 'tls-handshake-failed', reason: 'unknown-ca', detail: 'later', suppressed: 3 },
    ]);
    expect((await registry.getSingleMetric('dockgate_tls_handshake_failures_total')!.get()).values[0]?.value).toBe(6);
  });

  it('a refused handshake\'s line names the client certificate (cut), still sampled per reason', () => {
    const log = memoryLog();
    const observer = createObserver({ metrics: createMetrics(new Registry(), { identityLabel: false, version: 't' }), audit: memoryAudit(), log, handshakeLogPerMinute: 1 });
    const certificate = { cn: `bob${'x'.repeat(300)}`, serial: '0a1b', issuer: 'CN=dockgate CA, O=dockgate', fingerprint: 'ab'.repeat(32) };
    observer.handshakeFailed('revoked', 'client certificate not verified: CERT_REVOKED', '10.0.0.1:40000', certificate);
    observer.handshakeFailed('revoked', 'sampled out', '10.0.0.1:40001', certificate);
    expect(log.lines.map((l) => l.obj)).toEqual([
      {
        event: 'tls-handshake-failed',
        reason: 'revoked',
        detail: 'client certificate not verified: CERT_REVOKED',
        client: '10.0.0.1:40000',
        certificate: { cn: `bob${'x'.repeat(253)}...[truncated 47 chars]`, serial: '0a1b', issuer: 'CN=dockgate CA, O=dockgate', fingerprint: 'ab'.repeat(32) },
        suppressed: 0,
      },
    ]);
  });

  // Each TLS listener reports to its own counter; the admin listener's lines name it; each is sampled on its own.
  it.each([
    ['the Docker listener', 'docker', 'dockgate_tls_handshake_failures_total', 'dockgate_admin_tls_handshake_failures_total', {}],
    ['the admin listener', 'admin', 'dockgate_admin_tls_handshake_failures_total', 'dockgate_tls_handshake_failures_total', { listener: 'admin' }],
  ] as const)('%s: refused handshakes and blocked sources', async (_label, listener, own, other, field) => {
    const registry = new Registry();
    const log = memoryLog();
    const observer = createObserver({ metrics: createMetrics(registry, { identityLabel: false, version: 't' }), audit: memoryAudit(), log, handshakeLogPerMinute: 1 });
    const byListener: Record<typeof listener, HandshakeReports> = { docker: observer, admin: observer.adminHandshakes };
    // The other listener's line first: it must not use up this one's sample.
    byListener[listener === 'admin' ? 'docker' : 'admin'].handshakeFailed('unknown-ca', 'elsewhere');
    log.lines.length = 0;
    const reports = byListener[listener];
    reports.handshakeFailed('no-certificate', 'no certificate', '10.0.0.1:40000');
    reports.handshakeFailed('no-certificate', 'sampled out');
    reports.sourceBlocked('10.0.0.1', 51, { 'no-certificate': 51 }, 30_000);
    expect(log.lines.map((l) => l.obj)).toEqual([
      { event: 'tls-handshake-failed', ...field, reason: 'no-certificate', detail: 'no certificate', client: '10.0.0.1:40000', suppressed: 0 },
      { event: 'tls-source-blocked', ...field, source: '10.0.0.1', failures: 51, reasons: { 'no-certificate': 51 }, forSeconds: 30, suppressed: 0 },
    ]);
    expect((await registry.getSingleMetric(own)!.get()).values).toEqual([{ labels: { reason: 'no-certificate' }, value: 2 }]);
    expect((await registry.getSingleMetric(other)!.get()).values).toEqual([{ labels: { reason: 'unknown-ca' }, value: 1 }]);
  });

  it('logs upstream errors with the OS error, sampled per kind and error, and counts them all', async () => {
    const registry = new Registry();
    const log = memoryLog();
    let now = 0;
    const observer = createObserver({ metrics: createMetrics(registry, { identityLabel: false, version: 't' }), audit: memoryAudit(), log, clock: () => now, handshakeLogPerMinute: 2 });
    for (let i = 0; i < 4; i++) observer.upstreamError('unreachable', 'ENOENT');
    observer.upstreamError('failed', 'ECONNRESET');
    observer.upstreamError('unreachable', 'ECONNREFUSED');
    observer.handshakeFailed('unknown-ca', 'a handshake has a window of its own');
    now = 60_000;
    observer.upstreamError('unreachable', 'ENOENT');
    observer.upstreamError('unreachable');
    expect(log.lines.map((l) => [l.level, l.obj])).toEqual([
      ['warn', { event: 'upstream-error', kind: 'unreachable', error: 'ENOENT', suppressed: 0 }],
      ['warn', { event: 'upstream-error', kind: 'unreachable', error: 'ENOENT', suppressed: 0 }],
      ['warn', { event: 'upstream-error', kind: 'failed', error: 'ECONNRESET', suppressed: 0 }],
      ['warn', { event: 'upstream-error', kind: 'unreachable', error: 'ECONNREFUSED', suppressed: 0 }],
      ['warn', { event: 'tls-handshake-failed', reason: 'unknown-ca', detail: 'a handshake has a window of its own', suppressed: 0 }],
      ['warn', { event: 'upstream-error', kind: 'unreachable', error: 'ENOENT', suppressed: 2 }],
      ['warn', { event: 'upstream-error', kind: 'unreachable', error: 'unknown', suppressed: 0 }],
    ]);
    const counts = (await registry.getSingleMetric('dockgate_upstream_errors_total')!.get()).values.map((v) => [v.labels.kind, v.value]);
    expect(counts).toEqual(expect.arrayContaining([['unreachable', 7], ['failed', 1]]));
  });

  it('records client certificate expiry when a client is seen', async () => {
    const registry = new Registry();
    const observer = createObserver({ metrics: createMetrics(registry, { identityLabel: false, version: 't' }), audit: memoryAudit() });
    observer.clientSeen(alice);
    expect(await registry.metrics()).toContain('dockgate_certificate_expiry_timestamp_seconds{kind="client",name="alice"} 1893456000');
  });
});
