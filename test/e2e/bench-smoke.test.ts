/**
 * The benchmark harness in smoke mode: it starts its own private dockerd, nginx and gateway,
 * drives every scenario on every target for about a second, and its own checks (bench/lib/
 * scenarios.mjs, listed in docs/benchmarks.md) must find no problem: status codes; the size of
 * every response body against the daemon's own socket's answer (keep-alive, new connections,
 * refusals, creates); one container on the daemon per 201, named by that 201's Id, and none per
 * refusal; the length and sha256 of cp-out and logs against what the daemon holds with each
 * transfer's fresh nonce or log line, of the exec echo against the blob and the exec's nonce line (and the exec inspected:
 * ended with exit code 0), and of what cp in stored, read back from the container; one
 * connection per keep-alive client and one per request with new connections, no resumed TLS
 * session; the denied creates refused by the images guard; every held /events stream a stream
 * whose data names the tag (random per run) the bench made on the daemon after all were held. The environment refuses to start unless each proxy's
 * sampled pid holds its listening socket, and here each proxy's CPU per request must be above
 * zero where thousands of requests ran. No timing is asserted: this only proves that
 * `npm run bench` measures working targets, so a broken benchmark cannot report a good number.
 * The same for `bench/ab.mjs`, the A/B of gateway launch flags, in short runs (keep-alive, streams and idle streams),
 * and for `bench/layers.mjs`, the cost of each layer of a Node gateway.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Cell {
  rps?: number;
  cpu10k?: number;
  mbps?: number;
  cpuStream?: number;
  requests: number;
}
interface SmokeResults {
  smoke: boolean;
  policyRules: number;
  problems: string[];
  scenarios: { id: string; group: string; cells: Record<string, Cell> }[];
  idle: Record<string, { established: number; streamed: number }>;
  soak: { requests: number; start: { fds: number }; end: { fds: number } };
}

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The Markdown table rows ab.mjs printed for the named variants, as lists of cell texts. */
function variantRows(stdout: string, variants: string[]): string[][] {
  return stdout
    .split('\n')
    .filter((l) => variants.some((v) => l.startsWith(`| ${v} |`)))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

describe('npm run bench -- --smoke', () => {
  it('every scenario answers correctly on every target', { timeout: 600_000 }, async () => {
    const { code, stderr } = await runBench(['bench/run.mjs', '--smoke']);
    expect(code, stderr.slice(-4000)).toBe(0);
    const results = JSON.parse(readFileSync(resolve('bench/results/smoke.json'), 'utf8')) as SmokeResults;
    expect(results.smoke).toBe(true);
    expect(results.problems).toEqual([]);
    expect(results.policyRules).toBeGreaterThanOrEqual(50);
    const ids = results.scenarios.map((s) => s.id);
    expect(ids).toEqual([
      'ka /_ping c1', 'ka /_ping c16', 'ka /_ping c64',
      'ka /containers/json c1', 'ka /containers/json c16', 'ka /containers/json c64',
      'newconn /_ping c16', 'create denied c16', 'create allowed c4',
      'stream cp-out', 'stream cp-in', 'stream logs', 'stream exec',
    ]);
    for (const s of results.scenarios) {
      const targets = s.id === 'create denied c16' ? ['dockgate'] : ['direct', 'dockerd-tls', 'nginx', 'node-proxy', 'dockgate'];
      expect(Object.keys(s.cells).sort(), s.id).toEqual([...targets].sort());
      for (const t of targets) expect(s.cells[t]?.requests, `${s.id} on ${t}`).toBeGreaterThan(0);
      // Streams report each proxy's CPU per stream (the targets without a proxy have none to read);
      // a 4 MiB smoke stream may take less than the 10 ms /proc counts in.
      if (s.group === 'streams') for (const t of ['nginx', 'node-proxy', 'dockgate']) expect(s.cells[t]?.cpuStream, `${s.id} on ${t}`).toBeGreaterThanOrEqual(0);
      // Hundreds to thousands of requests, or handshakes, cost each proxy well over the 10 ms
      // /proc counts in: zero would mean the CPU was read from a process that does not serve.
      if (['ka /_ping c16', 'ka /_ping c64', 'newconn /_ping c16'].includes(s.id)) {
        for (const t of ['nginx', 'node-proxy', 'dockgate']) expect(s.cells[t]?.cpu10k, `${s.id} CPU on ${t}`).toBeGreaterThan(0);
      }
    }
    expect(Object.keys(results.idle).sort()).toEqual(['dockerd-tls', 'dockgate', 'nginx', 'node-proxy']);
    for (const idle of Object.values(results.idle)) expect([idle.established, idle.streamed]).toEqual([50, 50]);
    expect(results.soak.requests).toBeGreaterThan(0);
  });
});

describe('node bench/ab.mjs', () => {
  it('prints one row per variant and concurrency, from gateways started with each variant', { timeout: 300_000 }, async () => {
    const args = ['--clients', '1,4', '--rounds', '2', '--seconds', '1', '--warmup', '0', '--containers', '0', 'small=--max-semi-space-size=2', 'v8default=--max-semi-space-size=16'];
    const { code, stdout, stderr } = await runBench(['bench/ab.mjs', ...args]);
    expect(code, stderr.slice(-4000)).toBe(0);
    const rows = variantRows(stdout, ['small', 'v8default']);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['small', '`--max-semi-space-size=2`', '1'],
      ['small', '`--max-semi-space-size=2`', '4'],
      ['v8default', '`--max-semi-space-size=16`', '1'],
      ['v8default', '`--max-semi-space-size=16`', '4'],
    ]);
    for (const r of rows) {
      expect(Number(r[3]), `req/s of ${r.join(' ')}`).toBeGreaterThan(0);
      expect(Number(r[5]), `CPU of ${r.join(' ')}`).toBeGreaterThan(0);
    }
    // Two rounds, the second in the other order: small, v8default, then v8default, small.
    const order = [...stderr.matchAll(/^round (\d) (\w+) c1:/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(order).toEqual(['1 small', '1 v8default', '2 v8default', '2 small']);
  });

  it('with --newconn, opens a new TLS connection per request and says so', { timeout: 300_000 }, async () => {
    const args = ['--newconn', '--clients', '2', '--rounds', '1', '--seconds', '1', '--warmup', '0', '--containers', '0', 'shipped=', 'v8default=--max-semi-space-size=16'];
    const { code, stdout, stderr } = await runBench(['bench/ab.mjs', ...args]);
    expect(code, stderr.slice(-4000)).toBe(0);
    expect(stdout).toContain('a new TLS connection per GET /_ping');
    const rows = variantRows(stdout, ['shipped', 'v8default']);
    expect(rows.map((r) => [r[0], r[2]])).toEqual([
      ['shipped', '2'],
      ['v8default', '2'],
    ]);
    for (const r of rows) expect(Number(r[3]), `connections/s of ${r.join(' ')}`).toBeGreaterThan(0);
  });

  it('runs the gateway with the undici forwarder (the upstream-client instrument) and every answer is 200', { timeout: 300_000 }, async () => {
    const hook = resolve('bench/lib/reference/undici-forwarder-hook.mjs');
    // The hook really swaps the forwarder in (else the A/B would compare the shipped one with itself).
    const swapped = await runBench(['--import', hook, '--input-type=module', '-e', "const m = await import('./dist/proxy/forwarder.js'); console.log(m.createForwarder.toString().includes('pool.dispatch'))"]);
    expect(swapped.stdout.trim(), swapped.stderr).toBe('true');
    for (const path of ['/_ping', '/containers/json']) {
      const args = ['--clients', '2', '--rounds', '1', '--seconds', '1', '--warmup', '0', '--containers', '2', '--path', path, 'shipped=', `undici=--import=${hook}`];
      const { code, stdout, stderr } = await runBench(['bench/ab.mjs', ...args]);
      // ab.mjs exits 1 when a request failed or answered other than 200.
      expect(code, stderr.slice(-4000)).toBe(0);
      const rows = variantRows(stdout, ['shipped', 'undici']);
      expect(rows.map((r) => r[0])).toEqual(['shipped', 'undici']);
      for (const r of rows) expect(Number(r[3]), `req/s of ${r.join(' ')} on ${path}`).toBeGreaterThan(0);
    }
  });

  it('with --idle, holds checked idle /events streams on each variant and reads its RSS and its heap after forced collections', { timeout: 300_000 }, async () => {
    const args = ['--idle', '20', '--clients', '2', '--rounds', '2', '--seconds', '2', '--warmup', '1', 'shipped=', 'v8default=--max-semi-space-size=16'];
    const { code, stdout, stderr } = await runBench(['bench/ab.mjs', ...args]);
    // ab.mjs exits 1 when a run fails the scenario's checks (streams established, each sent an event of the run) or gave no heap figure.
    expect(code, stderr.slice(-4000)).toBe(0);
    const rows = variantRows(stdout, ['shipped', 'v8default']);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['shipped', '``', '20'],
      ['v8default', '`--max-semi-space-size=16`', '20'],
    ]);
    for (const r of rows) {
      expect(Number(r[3]), `RSS before of ${r.join(' ')}`).toBeGreaterThan(0);
      expect(Number(r[4]), `RSS held of ${r.join(' ')}`).toBeGreaterThan(0);
      expect(Number(r[6]), `heap of ${r.join(' ')}`).toBeGreaterThan(0);
    }
    const order = [...stderr.matchAll(/^round (\d) (\w+): 20 streams/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(order).toEqual(['1 shipped', '1 v8default', '2 v8default', '2 shipped']);
  });

  it('in stream mode, moves checked streams of each kind through each variant', { timeout: 300_000 }, async () => {
    const args = ['--stream', 'cp-in,cp-out', '--mib', '4', '--transfers', '1', '--rounds', '2', '--warmup', '1', 'shipped=', 'v8default=--max-semi-space-size=16'];
    const { code, stdout, stderr } = await runBench(['bench/ab.mjs', ...args]);
    // ab.mjs exits 1 when a transfer fails the bench's checks (status, byte counts, sha256).
    expect(code, stderr.slice(-4000)).toBe(0);
    const rows = variantRows(stdout, ['shipped', 'v8default']);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['shipped', '``', 'cp-in'],
      ['shipped', '``', 'cp-out'],
      ['v8default', '`--max-semi-space-size=16`', 'cp-in'],
      ['v8default', '`--max-semi-space-size=16`', 'cp-out'],
    ]);
    for (const r of rows) {
      expect(Number(r[3]), `MiB/s of ${r.join(' ')}`).toBeGreaterThan(0);
      expect(Number(r[4]), `CPU of ${r.join(' ')}`).toBeGreaterThan(0);
    }
    // Each gateway runs the kinds in the order given, and the variants alternate between rounds.
    const order = [...stderr.matchAll(/^round (\d) (\w+) (cp-in|cp-out) #1:/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(order).toEqual(['1 shipped cp-in', '1 shipped cp-out', '1 v8default cp-in', '1 v8default cp-out', '2 v8default cp-in', '2 v8default cp-out', '2 shipped cp-in', '2 shipped cp-out']);
  });
});

describe('node bench/layers.mjs --smoke', () => {
  it('measures every layer, each answering 200 to every request', { timeout: 300_000 }, async () => {
    const { code, stdout, stderr } = await runBench(['bench/layers.mjs', '--smoke']);
    // layers.mjs exits 1 when any request failed or answered other than 200.
    expect(code, stderr.slice(-4000)).toBe(0);
    const servers = ['nginx', 'node-floor', 'raw-upstream', 'undici-upstream', 'node-proxy', 'dockgate'];
    const rows = variantRows(stdout, servers);
    expect(rows.map((r) => r[0])).toEqual(servers);
    for (const r of rows) {
      expect(Number(r[2]), `req/s of ${r[0]}`).toBeGreaterThan(0);
      expect(Number(r[3]), `CPU of ${r[0]}`).toBeGreaterThan(0);
    }
    // nginx is the reference: its own ratio is 1.
    expect(rows[0]?.[4]).toBe('1.00');
  });
});
