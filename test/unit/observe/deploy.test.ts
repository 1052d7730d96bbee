// The deploy/ pieces: promtool accepts them, the alert rules fire as intended, and every
// dockgate_* metric the rules and the dashboard query is one the gateway really exports. The
// compose file and the systemd unit give the gateway files it can read and see change.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../../src/observe/metrics.js';

const deploy = (p: string) => fileURLToPath(new URL(`../../../deploy/${p}`, import.meta.url));

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Every series name the gateway can expose (histograms with their suffixes). */
async function exportedNames(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry, { identityLabel: true, version: 't' });
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (m.type.toString() === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const referenced = (text: string) => new Set(text.match(/\bdockgate_[a-z_]+/g) ?? []);

describe('deploy/prometheus', () => {
  it('promtool check config accepts the scrape config (and its rule file)', () => {
    const r = promtool('check', 'config', deploy('prometheus/prometheus.yml'));
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('promtool check rules accepts the alerting rules', () => {
    const r = promtool('check', 'rules', deploy('prometheus/alerts.yml'));
    expect(r.out).toContain('SUCCESS: 18 rules found');
    expect(r.status).toBe(0);
  });

  it('the alerting rules fire as their unit tests expect', () => {
    const r = promtool('test', 'rules', deploy('prometheus/alerts.test.yml'));
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('alerts only use metrics the gateway exports', async () => {
    const names = await exportedNames();
    const used = referenced(readFileSync(deploy('prometheus/alerts.yml'), 'utf8'));
    expect(used.size).toBeGreaterThan(4);
    for (const name of used) expect(names, name).toContain(name);
  });

  // rev-docs F3: nothing read dockgate_tls_cas_refused, the one metric saying every client of a
  // CA is refused (an expired CRL installed by a reload counts as a reload success).
  it('alerts on CAs refused for their CRL state', () => {
    const rules = parse(readFileSync(deploy('prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const exprs = new Map(rules.groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr]));
    expect(exprs.get('DockgateCrlLockout')).toContain('dockgate_tls_cas_refused');
    expect(exprs.get('DockgateCaWithoutCrl')).toContain('dockgate_tls_cas_refused');
  });

  // Operational log lines dropped while stderr refuses them were counted, and nothing read it.
  it('alerts on dropped operational log lines', () => {
    const rules = parse(readFileSync(deploy('prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const exprs = new Map(rules.groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr]));
    expect(exprs.get('DockgateLogLinesDropped')).toContain('dockgate_log_lines_dropped_total');
  });
});

describe('deploy/grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(deploy('grafana/dockgate-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: { id: number; type: string; title: string; gridPos: object; targets?: { expr: string }[] }[];
  };

  it('has unique panel ids and a query on every non-row panel', () => {
    expect(dashboard.uid).toBe('dockgate');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(p.gridPos, p.title).toBeDefined();
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the gateway exports, and covers the main ones', async () => {
    const names = await exportedNames();
    const used = referenced(dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr).join('\n'));
    for (const name of used) expect(names, name).toContain(name);
    for (const must of [
      'dockgate_requests_total',
      'dockgate_request_duration_seconds_bucket',
      'dockgate_denials_total',
      'dockgate_open_streams',
      'dockgate_open_connections',
      'dockgate_tls_handshake_failures_total',
      'dockgate_admin_tls_handshake_failures_total',
      'dockgate_audit_backlog_bytes',
      'dockgate_audit_records_lost_total',
      'dockgate_policy_last_reload_successful',
      'dockgate_tls_last_reload_successful',
      'dockgate_upstream_up',
      'dockgate_upstream_ping_duration_seconds_bucket',
      'dockgate_request_bytes_total',
      'dockgate_certificate_expiry_timestamp_seconds',
      'dockgate_tls_cas_refused',
      'dockgate_tls_crls',
    ]) {
      expect(used, must).toContain(must);
    }
  });
});

describe('deploy/compose.yaml mounts', () => {
  const compose = parse(readFileSync(deploy('compose.yaml'), 'utf8')) as {
    services: { dockgate: { volumes: string[]; environment: Record<string, string> } };
  };
  const service = compose.services.dockgate;
  const mounts = service.volumes.map((v) => {
    const [source = '', target = ''] = v.split(':');
    return { source, target, host: isAbsolute(source) ? source : resolve(deploy('.'), source) };
  });

  it('mounts directories, never a single file (a file mount pins the inode: a policy replaced by rename never arrives)', () => {
    for (const m of mounts) {
      if (m.source === '/var/run/docker.sock') continue;
      // Sources the operator creates (certs, etc) need not exist in a checkout; those that do are directories.
      if (existsSync(m.host)) expect(statSync(m.host).isDirectory(), `${m.source} is not a directory`).toBe(true);
      expect(m.source, `${m.source} looks like a file`).not.toMatch(/\.(ya?ml|pem|json)$/);
    }
  });

  it('the config it names and every file that config names are inside a mounted directory', () => {
    const config = parse(readFileSync(deploy('config.example.yaml'), 'utf8')) as { policy: string; tls: Record<string, string> };
    const files = [service.environment.DOCKGATE_CONFIG ?? '', config.policy, ...Object.values(config.tls).filter((v) => typeof v === 'string')];
    for (const file of files) expect(mounts.some((m) => file.startsWith(`${m.target}/`)), `${file} is not under a mounted directory`).toBe(true);
  });

  // rev-docs F5: the commented audit file was under no mount, so uncommenting it stopped the
  // read-only container at start (exit 2).
  it('the commented audit file, uncommented with the commented volume, is in a writable mount', () => {
    const uncomment = (text: string, re: RegExp, keep: string): string => text.replace(re, keep);
    const config = parse(uncomment(readFileSync(deploy('config.example.yaml'), 'utf8'), /^# ((?:audit:| {2}file: ).*)$/gm, '$1')) as { audit?: { file?: string } };
    const file = config.audit?.file ?? '';
    expect(file).toMatch(/^\//);
    const withLog = parse(uncomment(readFileSync(deploy('compose.yaml'), 'utf8'), /^( {6})# (- \.\/log:.*)$/gm, '$1$2')) as typeof compose;
    const writable = withLog.services.dockgate.volumes.map((v) => v.split(':')).filter(([, target, mode]) => target !== undefined && mode !== 'ro');
    expect(writable.some(([, target]) => file.startsWith(`${target}/`)), `${file} is in no writable mount`).toBe(true);
  });
});

describe('deploy/dockgate.service and /etc/dockgate', () => {
  const unit = readFileSync(deploy('dockgate.service'), 'utf8');

  it('does not let systemd create /etc/dockgate: it would be root:root, unreadable for User=dockgate at mode 0750', () => {
    expect(unit).not.toMatch(/^ConfigurationDirectory/m);
    expect(unit).toMatch(/^User=dockgate$/m);
  });

  it('the install steps (unit header and docs) create it root:dockgate 0750', () => {
    const step = 'install -d -m 0750 -o root -g dockgate /etc/dockgate';
    expect(unit).toContain(step);
    expect(readFileSync(deploy('../docs/deployment.md'), 'utf8')).toContain(step);
  });
});
