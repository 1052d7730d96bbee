// The metric table of docs/observability.md names exactly the dockgate_* metrics a fresh
// registry holds, each with its type and labels, and the fixed label values the code uses
// (brief: "document every ... metric").
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HANDSHAKE_FAILURES } from '../../../src/core/observer.js';
import { CERTIFICATE_KINDS } from '../../../src/observe/certificate-expiry-metrics.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { UPSTREAM_ERROR_KINDS } from '../../../src/proxy/upstream-errors.js';
import { CRL_LOCKOUT_REASONS } from '../../../src/runtime/crl-lockouts.js';
import { codeNames, repoText, section, tableRows } from './doc-text.js';

const doc = tableRows(section(repoText('docs/observability.md'), '## Metrics'));
const documented = new Map([...doc].filter(([name]) => name.startsWith('dockgate_')));

/** Name, type and label names of every dockgate_* metric createMetrics registers (with the identity label on). */
async function registered(): Promise<Array<{ name: string; type: string; labels: string[] }>> {
  const registry = new Registry();
  createMetrics(registry, { identityLabel: true, version: 'test' });
  const metrics = await registry.getMetricsAsJSON();
  return metrics
    .filter((m) => m.name.startsWith('dockgate_'))
    .map((m) => ({ name: m.name, type: String(m.type), labels: [...((registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames ?? [])] }));
}

describe('docs/observability.md metric table', () => {
  it('names exactly the metrics the gateway registers', async () => {
    const names = (await registered()).map((m) => m.name).sort();
    expect(names.length).toBeGreaterThan(20);
    expect([...documented.keys()].sort()).toEqual(names);
  });

  it('gives each its type and labels', async () => {
    for (const m of await registered()) {
      const row = documented.get(m.name);
      expect(row?.[1], `${m.name} type`).toBe(m.type);
      expect(codeNames(row?.[2] ?? '').sort(), `${m.name} labels`).toEqual([...m.labels].sort());
    }
  });

  // Label values the code draws from fixed lists: each is named in its metric's row.
  const values: Array<[string, readonly string[]]> = [
    ['dockgate_tls_handshake_failures_total', HANDSHAKE_FAILURES],
    ['dockgate_certificate_expiry_timestamp_seconds', CERTIFICATE_KINDS],
    ['dockgate_tls_cas_refused', CRL_LOCKOUT_REASONS],
    ['dockgate_admin_tls_cas_refused', CRL_LOCKOUT_REASONS],
    ['dockgate_upstream_errors_total', UPSTREAM_ERROR_KINDS],
    ['dockgate_policy_reloads_total', ['success', 'failure']],
    ['dockgate_tls_reloads_total', ['success', 'failure']],
  ];
  it.each(values.flatMap(([metric, list]) => list.map((v): [string, string] => [metric, v])))('%s names the label value %s', (metric, value) => {
    expect(codeNames(documented.get(metric)?.[3] ?? '')).toContain(value);
  });
});
