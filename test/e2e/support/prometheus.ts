/**
 * A real Prometheus (Debian's `prometheus` package) for end-to-end tests: started on loopback
 * with a temporary config and TSDB, scraping the gateway's admin listener, and queried through
 * its HTTP API. Stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { run, type RunResult } from './gateway.js';
import { scratchDir } from './scratch.js';
import { freePort } from './free-port.js';

/** The Prometheus binary of Debian's package. */
export const PROMETHEUS = '/usr/bin/prometheus';
/** promtool, from the same package. */
export const PROMTOOL = '/usr/bin/promtool';

/** A running Prometheus. */
export interface TestPrometheus {
  /** Base URL of its HTTP API, e.g. `http://127.0.0.1:40123`. */
  url: string;
  process: ChildProcess;
  /** Run an instant query; returns the result vector (labels and numeric value per series). */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** The value of a query that must return at most one series (undefined when none). */
  scalar(expr: string): Promise<number | undefined>;
  /**
   * Wait until Prometheus holds a successful scrape of `job` taken after `afterMs` (epoch ms),
   * so queries see every counter increment made before that moment.
   */
  waitForScrapeAfter(job: string, afterMs: number, timeoutMs?: number): Promise<void>;
  /** Its own log (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** GET a URL on loopback; resolves with status and body text. */
export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start Prometheus scraping `targets` (host:port of admin listeners) every `intervalS` seconds as job `job`. */
export async function startPrometheus(opts: {
  job: string;
  targets: string[];
  intervalS?: number;
  /** Scrape over HTTPS, verifying the target with `ca` and presenting `cert`/`key` (PEM files). */
  tls?: { ca: string; cert: string; key: string };
}): Promise<TestPrometheus> {
  const dir = scratchDir('prom-');
  const port = await freePort();
  const interval = `${opts.intervalS ?? 1}s`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      `  - job_name: ${opts.job}`,
      `    scrape_interval: ${interval}`,
      `    scrape_timeout: ${interval}`,
      '    metrics_path: /metrics',
      ...(opts.tls ? ['    scheme: https', '    tls_config:', `      ca_file: ${opts.tls.ca}`, `      cert_file: ${opts.tls.cert}`, `      key_file: ${opts.tls.key}`] : []),
      '    static_configs:',
      `      - targets: [${opts.targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'prometheus.log');
  const child = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] },
  );
  const url = `http://127.0.0.1:${port}`;
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const closed = new Promise((r) => child.once('close', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([closed, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log()}`);
    const ready = await httpGet(`${url}/-/ready`).catch(() => undefined);
    if (ready?.status === 200) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`prometheus did not become ready:\n${log()}`);
    }
    await sleep(200);
  }

  async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
    const res = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = JSON.parse(res.body) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? res.body}`);
    if (body.data.resultType !== 'vector') throw new Error(`query ${expr}: expected a vector, got ${body.data.resultType}`);
    return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  }

  return {
    url,
    process: child,
    query,
    async scalar(expr) {
      const result = await query(expr);
      if (result.length > 1) throw new Error(`query ${expr} returned ${result.length} series: ${JSON.stringify(result)}`);
      return result[0]?.value;
    },
    async waitForScrapeAfter(job, afterMs, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // timestamp() of a plain selector is the sample's time, i.e. when that scrape started
        // (of any other expression, e.g. `up == 1`, it is the evaluation time: useless here).
        const [last] = await query(`timestamp(up{job="${job}"})`);
        const [up] = await query(`up{job="${job}"}`);
        if (last && up?.value === 1 && last.value * 1000 > afterMs) return;
        if (Date.now() > deadline) throw new Error(`no successful scrape of ${job} after ${new Date(afterMs).toISOString()}:\n${log()}`);
        await sleep(250);
      }
    },
    log,
    stop,
  };
}

/** `promtool check metrics` on an exposition text (fed on stdin, as the tool expects). */
export function promtoolCheckMetrics(exposition: string): Promise<RunResult> {
  return run(PROMTOOL, ['check', 'metrics'], { input: exposition });
}
