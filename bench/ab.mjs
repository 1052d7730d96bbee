/**
 * A/B of ways to launch the gateway (Node flags): starts the bench environment once, then in
 * every round starts one fresh gateway per variant, in an order that alternates from round to
 * round so that no variant always runs first. Each gateway gets an unmeasured warm-up, then
 * keep-alive `GET /_ping` (or `--path`) at each concurrency, with its own CPU read from /proc.
 * Prints the median per variant and concurrency of requests/s, p99 and CPU µs per request;
 * exits 1 if any request failed.
 *
 * Usage (after `npm run build`):
 *   node bench/ab.mjs [--clients 16,64] [--rounds 6] [--seconds 5] [--warmup 3] [--path /_ping] NAME=NODE_ARGS ...
 * The young-generation table in docs/deployment.md comes from
 *   node bench/ab.mjs --clients 16,64 semi4=--max-semi-space-size=4 semi16=--max-semi-space-size=16
 * Every gateway starts as the launchers start it (`--max-semi-space-size=4`); a variant's
 * flags come after that one and win.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startEnvironment } from './lib/environment.mjs';
import { buildLoadgen, runLoad } from './lib/loadgen.mjs';
import { benchPolicy } from './lib/policy.mjs';
import { sample } from './lib/proc.mjs';
import { startGateway } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';

function parseArgs(argv) {
  const opts = { clients: [16, 64], rounds: 6, seconds: 5, warmup: 3, path: '/_ping', variants: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--clients') opts.clients = value().split(',').map(Number);
    else if (a === '--rounds') opts.rounds = Number(value());
    else if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--warmup') opts.warmup = Number(value());
    else if (a === '--path') opts.path = value();
    else if (/^\w[\w.-]*=/.test(a)) {
      const [name, ...rest] = a.split('=');
      opts.variants.push({ name, nodeArgs: rest.join('=').split(/\s+/).filter(Boolean) });
    } else throw new Error(`unknown argument ${a}`);
  }
  const bad = [...opts.clients, opts.rounds, opts.seconds].some((n) => !Number.isInteger(n) || n < 1) || !Number.isFinite(opts.warmup);
  if (bad) throw new Error('--clients, --rounds and --seconds take positive integers');
  if (opts.variants.length < 2) throw new Error('name at least two variants, e.g. a=--max-semi-space-size=4 b=--max-semi-space-size=16');
  return opts;
}

/** Round r runs the variants forwards when r is even and backwards when it is odd. */
function roundOrder(variants, r) {
  return r % 2 === 0 ? [...variants] : [...variants].reverse();
}

async function measure(env, variant, opts) {
  const dir = mkdtempSync(join(env.root, `ab-${variant.name}-`));
  const gw = await startGateway({ dir, pki: env.pki, socket: env.daemon.socket, policyYaml: benchPolicy().yaml, nodeArgs: variant.nodeArgs });
  const target = { port: gw.port };
  const out = [];
  try {
    for (const c of opts.clients) {
      if (opts.warmup > 0) await runLoad(target, env.bundles.allowed, { path: opts.path, concurrency: c, seconds: opts.warmup });
      const before = sample(gw.pids()).cpuSeconds;
      const r = await runLoad(target, env.bundles.allowed, { path: opts.path, concurrency: c, seconds: opts.seconds });
      const cpu = sample(gw.pids()).cpuSeconds - before;
      const ok = r.status?.['200'] ?? 0;
      out.push({ clients: c, rps: r.rps, p99ms: r.p99_us / 1000, cpuUs: r.completed ? (cpu / r.completed) * 1e6 : NaN, failed: r.errors + (r.completed - ok) });
    }
  } finally {
    await gw.stop();
  }
  return out;
}

const opts = parseArgs(process.argv.slice(2));
buildLoadgen();
const env = await startEnvironment();
const results = [];
try {
  for (let r = 0; r < opts.rounds; r++) {
    for (const v of roundOrder(opts.variants, r)) {
      for (const m of await measure(env, v, opts)) {
        results.push({ variant: v.name, ...m });
        console.error(`round ${r + 1} ${v.name} c${m.clients}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99ms.toFixed(2)} ms, ${m.cpuUs.toFixed(0)} µs CPU per request`);
      }
    }
  }
} finally {
  await env.stop();
}

console.log(`\n${opts.rounds} rounds of ${opts.seconds} s, keep-alive GET ${opts.path}, medians; CPU is the gateway's own from /proc\n`);
console.log('| variant | node flags | clients | req/s | p99 ms | CPU µs / request |');
console.log('|---|---|--:|--:|--:|--:|');
for (const v of opts.variants) {
  for (const c of opts.clients) {
    const rows = results.filter((x) => x.variant === v.name && x.clients === c);
    const cells = [median(rows.map((x) => x.rps)).toFixed(0), median(rows.map((x) => x.p99ms)).toFixed(2), median(rows.map((x) => x.cpuUs)).toFixed(0)];
    console.log(`| ${v.name} | \`${v.nodeArgs.join(' ')}\` | ${c} | ${cells.join(' | ')} |`);
  }
}
const failed = results.reduce((s, x) => s + x.failed, 0);
if (failed) {
  console.log(`\n${failed} requests failed or did not answer 200`);
  process.exitCode = 1;
}
