/**
 * Renders results as Markdown: one table per scenario group with every target side by side,
 * the ratios of dockgate against the direct socket, nginx and the naive Node proxy, the idle-stream and
 * soak figures, and the issue's targets with met / not met.
 */

const METRIC = {
  rps: { label: 'req/s', digits: 0, higher: true },
  p50: { label: 'p50 ms', digits: 2, higher: false },
  p99: { label: 'p99 ms', digits: 2, higher: false },
  cpu10k: { label: 'proxy CPU s / 10k req', digits: 2, higher: false },
  mbps: { label: 'MiB/s', digits: 0, higher: true },
  cpuStream: { label: 'proxy CPU s / stream', digits: 2, higher: false },
};

/** Metrics of a proxy's own CPU: no figure for the targets without a proxy, no ratio to direct. */
const CPU_METRICS = new Set(['cpu10k', 'cpuStream']);

/** Targets that are proxies in front of the socket (their own CPU is measured). */
const PROXIES = ['nginx', 'node-proxy', 'dockgate'];

function fmt(v, digits) {
  if (v === undefined || v === null || !Number.isFinite(v)) return 'n/a';
  return v.toFixed(digits);
}

function ratio(a, b) {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

/** The main table: rows of scenario x metric, columns of targets, then the two ratios. */
export function resultsTable(results, targets) {
  const lines = [`| scenario | metric | ${targets.join(' | ')} | dockgate ÷ direct | dockgate ÷ nginx | dockgate ÷ node-proxy |`, `|---|---|${targets.map(() => '--:').join('|')}|--:|--:|--:|`];
  for (const s of results.scenarios) {
    for (const metric of s.metrics) {
      const m = METRIC[metric];
      const cells = targets.map((t) => {
        const cell = s.cells[t];
        if (!cell) return '-';
        // CPU per request is only meaningful for the proxies (direct and dockerd-tls have none).
        if (CPU_METRICS.has(metric) && !PROXIES.includes(t)) return '-';
        return fmt(cell[metric], m.digits);
      });
      const dg = s.cells.dockgate?.[metric];
      const vsDirect = CPU_METRICS.has(metric) ? undefined : ratio(dg, s.cells.direct?.[metric]);
      const vsNginx = ratio(dg, s.cells.nginx?.[metric]);
      const vsNaive = ratio(dg, s.cells['node-proxy']?.[metric]);
      lines.push(`| ${s.title} | ${m.label} | ${cells.join(' | ')} | ${fmt(vsDirect, 2)} | ${fmt(vsNginx, 2)} | ${fmt(vsNaive, 2)} |`);
    }
  }
  return lines.join('\n');
}

function idleTable(results) {
  if (!results.idle) return '';
  const lines = [`| target | streams | RSS before MiB | RSS held MiB (max) | CPU s, connect + hold |`, '|---|--:|--:|--:|--:|'];
  for (const [t, x] of Object.entries(results.idle)) lines.push(`| ${t} | ${x.established} | ${fmt(x.rssBefore, 1)} | ${fmt(x.rssHeld, 1)} | ${fmt(x.cpu, 2)} |`);
  return lines.join('\n');
}

function soakTable(results) {
  const s = results.soak;
  if (!s) return '';
  return [
    `| | at start (idle 2 s after ${fmt(s.warmupSeconds, 0)} s of the mix) | at end (idle 2 s after the soak) | max (under load) |`,
    '|---|--:|--:|--:|',
    `| gateway RSS MiB | ${fmt(s.start.rssMiB, 1)} | ${fmt(s.end.rssMiB, 1)} | ${fmt(s.maxRss, 1)} |`,
    `| gateway open fds | ${s.start.fds} | ${s.end.fds} | ${s.maxFds} |`,
    '',
    `${s.seconds} s of mixed load, ${s.requests} requests (${s.mix.join('; ')}); gateway CPU ${fmt(s.cpu10k, 2)} s per 10k requests.`,
  ].join('\n');
}

/** The issue's targets, each with the measured figure and whether it is met. */
export function targetChecks(results) {
  const cell = (id, t) => results.scenarios.find((s) => s.id === id)?.cells[t];
  const checks = [];
  const add = (name, value, ok, detail) => checks.push({ name, value, ok, detail });
  for (const id of results.scenarios.filter((s) => s.id.startsWith('ka ')).map((s) => s.id)) {
    const dg = cell(id, 'dockgate');
    const ng = cell(id, 'nginx');
    if (!dg || !ng) continue;
    const r = ratio(dg.rps, ng.rps);
    add(`${id}: req/s ≥ 0.9× nginx`, r, r !== undefined && r >= 0.9);
    const p = ratio(dg.p99, ng.p99);
    add(`${id}: p99 ≤ 1.25× nginx`, p, p !== undefined && p <= 1.25);
    const c = ratio(dg.cpu10k, ng.cpu10k);
    add(`${id}: CPU/request ≤ 1.5× nginx`, c, c !== undefined && c <= 1.5);
  }
  const nc = ratio(cell('newconn /_ping c16', 'dockgate')?.rps, cell('newconn /_ping c16', 'nginx')?.rps);
  add('new connections/s ≥ 0.8× nginx', nc, nc !== undefined && nc >= 0.8);
  for (const s of results.scenarios.filter((x) => x.group === 'streams')) {
    const r = ratio(s.cells.dockgate?.mbps, s.cells.direct?.mbps);
    add(`${s.id}: throughput ≥ 0.9× direct`, r, r !== undefined && r >= 0.9);
  }
  const idle = results.idle?.dockgate;
  if (idle) add(`${idle.established} idle streams: gateway RSS < 150 MiB`, idle.rssHeld, idle.rssHeld < 150 && idle.established >= 1000, idle.established < 1000 ? 'fewer than 1000 streams in this run' : undefined);
  const soak = results.soak;
  if (soak) {
    // "No growth": allow 10% (and 16 MiB) of RSS noise from the GC; fds must come back exactly.
    const grew = soak.end.rssMiB - soak.start.rssMiB;
    add('soak: no RSS growth', grew, grew <= Math.max(16, soak.start.rssMiB * 0.1), `${fmt(grew, 1)} MiB`);
    add('soak: no fd growth', soak.end.fds - soak.start.fds, soak.end.fds <= soak.start.fds);
  }
  return checks;
}

/** The whole Markdown report. */
export function markdownReport(results) {
  const targets = ['direct', 'dockerd-tls', 'nginx', 'node-proxy', 'dockgate'];
  const checks = targetChecks(results);
  const out = [
    `# dockgate benchmark${results.smoke ? ' (smoke run: sizes and durations too small for conclusions)' : ''}`,
    '',
    `${results.date} on ${results.machine}. ${results.warmupSeconds ? `${results.warmupSeconds} s unmeasured warm-up per target, then ` : ''}${results.rounds} interleaved round(s) of ${results.seconds} s per run; streams of ${results.streamMiB} MiB; policy of ${results.policyRules} rules with guards; nginx with ${results.nginxWorkers} worker(s). Figures are medians over rounds; proxy CPU is each proxy's own user+system time from /proc. node-proxy is a naive Node https + http-proxy gateway without policy, audit or metrics (bench/lib/naive-proxy.mjs).`,
    '',
    resultsTable(results, targets),
    '',
    '## Idle streams',
    '',
    idleTable(results),
    '',
    '## Soak (gateway)',
    '',
    soakTable(results),
    '',
    '## Targets from issue 7',
    '',
    '| target | measured | met |',
    '|---|--:|:-:|',
    ...checks.map((c) => `| ${c.name} | ${c.detail ?? fmt(c.value, 2)} | ${c.ok ? 'yes' : '**no**'} |`),
    '',
  ];
  if (results.problems.length) out.push('## Problems (the figures above are not trustworthy)', '', ...results.problems.map((p) => `- ${p}`), '');
  return out.join('\n');
}
