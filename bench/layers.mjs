/**
 * Where a Node gateway's cost per request comes from, layer by layer: keep-alive `GET /_ping`
 * on nginx (the reference proxy) and on Node servers that add one layer at a time, each with
 * its own CPU read from /proc, in interleaved rounds:
 *
 *   nginx            nginx as an mTLS reverse proxy to the socket (the bench's `nginx`)
 *   node-floor       Node's https server answering itself, no daemon (reference/node-floor.mjs)
 *   raw-upstream     + a minimal hand-written keep-alive client to the socket (reference/raw-upstream.mjs)
 *   undici-upstream  + undici's Pool.dispatch to the socket instead (reference/undici-upstream.mjs)
 *   node-proxy       + http-proxy and Node's HTTP client instead: the naive gateway (naive-proxy.mjs)
 *   dockgate         + policy, audit and metrics: the gateway as shipped
 *
 * Prints a Markdown table of medians (requests/s, CPU µs per request, CPU ÷ nginx's) and writes
 * it to bench/results/layers.md (layers-smoke.md with --smoke); exits 1 if any request failed
 * or answered other than 200, warm-ups included.
 *
 * Usage (after `npm run build`):
 *   node bench/layers.mjs [--clients 1,16,64] [--rounds 3] [--seconds 5] [--warmup 3] [--smoke]
 * `--smoke`: 1 round of 1 s at 16 clients, no warm-up (checks that every server answers).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startEnvironment } from './lib/environment.mjs';
import { readLoadFlags } from './lib/load-flags.mjs';
import { buildLoadgen, runLoad } from './lib/loadgen.mjs';
import { sample } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const REFERENCES = ['node-floor', 'raw-upstream', 'undici-upstream'];
const ORDER = ['nginx', 'node-floor', 'raw-upstream', 'undici-upstream', 'node-proxy', 'dockgate'];
const WHAT = {
  nginx: 'nginx, mTLS reverse proxy to the socket',
  'node-floor': "Node's https server answering itself (no daemon)",
  'raw-upstream': 'Node https + minimal hand-written keep-alive client to the socket',
  'undici-upstream': "Node https + undici's Pool.dispatch to the socket",
  'node-proxy': "Node https + http-proxy and Node's HTTP client (the naive gateway)",
  dockgate: 'dockgate: + policy (52 rules), audit to a file, metrics',
};

function parseArgs(argv) {
  const opts = { clients: [1, 16, 64], rounds: 3, seconds: 5, warmup: 3, smoke: false };
  readLoadFlags(argv, opts, (arg) => arg === '--smoke' && Object.assign(opts, { smoke: true, clients: [16], rounds: 1, seconds: 1, warmup: 0 }));
  if ([...opts.clients, opts.rounds, opts.seconds].some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--clients, --rounds and --seconds take positive integers');
  if (!Number.isFinite(opts.warmup) || opts.warmup < 0) throw new Error('--warmup takes seconds');
  return opts;
}

/** Requests that failed or answered other than 200. */
const failures = (r) => r.errors + (r.completed - (r.status?.['200'] ?? 0));

const opts = parseArgs(process.argv.slice(2));
buildLoadgen();
const env = await startEnvironment({ references: REFERENCES });
const targets = ORDER.map((name) => [...env.targets, ...env.references].find((t) => t.name === name));
const samples = new Map();
let failed = 0;
try {
  if (opts.warmup > 0) {
    for (const t of targets) failed += failures(await runLoad(t, env.bundles.allowed, { path: '/_ping', concurrency: 16, seconds: opts.warmup }));
  }
  for (let round = 0; round < opts.rounds; round++) {
    // The order rotates each round, so that no server always runs right after the same one.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const clients of opts.clients) {
      for (const t of order) {
        const before = sample(t.pids()).cpuSeconds;
        const r = await runLoad(t, env.bundles.allowed, { path: '/_ping', concurrency: clients, seconds: opts.seconds });
        const cpu = sample(t.pids()).cpuSeconds - before;
        const bad = failures(r);
        failed += bad;
        if (bad || r.completed === 0) console.error(`${t.name} c${clients}: ${r.completed} answered, ${bad} failed (${r.first_error ?? JSON.stringify(r.status)})`);
        const key = `${t.name} ${clients}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push({ rps: r.rps, cpuUs: r.completed ? (cpu / r.completed) * 1e6 : NaN });
        console.error(`round ${round + 1} c${clients} ${t.name}: ${r.rps.toFixed(0)} req/s, ${((cpu / Math.max(1, r.completed)) * 1e6).toFixed(1)} µs CPU per request`);
      }
    }
  }
} finally {
  await env.stop();
}

const lines = [
  `# What each layer of a Node gateway costs (${new Date().toISOString()})`,
  '',
  `Keep-alive \`GET /_ping\`, ${opts.rounds} interleaved round(s) of ${opts.seconds} s, medians; CPU is each server's own from /proc. \`node bench/layers.mjs\`.`,
  '',
  `| server | what it is | ${opts.clients.map((c) => `c${c} req/s | c${c} CPU µs/req | c${c} CPU ÷ nginx`).join(' | ')} |`,
  `|---|---|${opts.clients.map(() => '--:|--:|--:').join('|')}|`,
];
for (const t of targets) {
  const cells = opts.clients.flatMap((c) => {
    const mine = samples.get(`${t.name} ${c}`) ?? [];
    const nginx = samples.get(`nginx ${c}`) ?? [];
    const cpu = median(mine.map((s) => s.cpuUs));
    return [median(mine.map((s) => s.rps)).toFixed(0), cpu.toFixed(1), (cpu / median(nginx.map((s) => s.cpuUs))).toFixed(2)];
  });
  lines.push(`| ${t.name} | ${WHAT[t.name]} | ${cells.join(' | ')} |`);
}
const md = `${lines.join('\n')}\n`;
const dir = resolve('bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(resolve(dir, opts.smoke ? 'layers-smoke.md' : 'layers.md'), md);
process.stdout.write(md);
if (failed) {
  console.error(`${failed} request(s) failed or answered other than 200: the figures are not trustworthy`);
  process.exitCode = 1;
}
