/**
 * A/B of ways to launch the gateway (Node flags): starts the bench environment once, then in
 * every round starts one fresh gateway per variant, in an order that alternates from round to
 * round so that no variant always runs first. Each gateway gets an unmeasured warm-up, then
 * keep-alive `GET /_ping` (or `--path`) at each concurrency, with its own CPU read from /proc;
 * the daemon runs `--containers` (50, as many as the bench's list holds) idle containers for
 * `containers/json`.
 * Prints the median per variant and concurrency of requests/s, p99 and CPU µs per request;
 * exits 1 if any request failed (warm-ups included).
 *
 * With `--stream KINDS` (comma-separated, in order: cp-out, cp-in, logs, exec, the bench's stream
 * scenarios) each fresh gateway instead takes `--warmup` seconds (default 10) of keep-alive load
 * at the first `--clients` concurrency, so that V8 has sized its heap as in a gateway that has
 * been serving, then moves `--transfers` streams of `--mib` MiB of each kind, checked as in the
 * bench (status, byte counts, sha256); the table gives MiB/s and the gateway's CPU seconds per
 * transfer, per kind.
 *
 * With `--newconn` every request (warm-ups too) opens a new TLS connection with a full
 * handshake, as the bench's new-connection scenario does; the CPU is then per connection.
 *
 * With `--create` the load is the bench's allowed create (`POST /containers/create` with the
 * 4 KiB body the bench policy's guards allow, 4 clients unless `--clients` says otherwise), the
 * warm-up too, each run with its own labelled body and checked as the bench checks it
 * (create-run.mjs): every answer 201, each 201 naming one container of that run that exists on
 * the daemon, none made without a 201; the containers are pruned after each run. The CPU is
 * then per create.
 *
 * With `--idle [N]` each fresh gateway takes `--warmup` seconds (default 5) of keep-alive load at
 * the first `--clients` concurrency, then holds N (default 1000) idle `GET /events` streams for
 * `--seconds` (default 10), the bench's scenario 6 (idle-hold.mjs: each stream checked to have
 * received an event of this run); the table gives the gateway's RSS before and held (the largest
 * sample while held) and V8's used heap after three forced full collections, taken 80% into the
 * hold: the gateways of this mode run with `--expose-gc --import bench/lib/heap-probe.mjs`, which
 * answers SIGUSR2. No idle containers unless `--containers` asks.
 *
 * `--naive` adds the naive Node proxy (bench/lib/naive-proxy.mjs, no policy), started fresh per
 * round like the gateways, as the variant `node-proxy`: the yardstick the bench divides by.
 *
 * Usage (after `npm run build`):
 *   node bench/ab.mjs [--clients 16,64] [--rounds 6] [--seconds 5] [--warmup 3] [--path /_ping] [--containers 50] [--newconn] NAME=NODE_ARGS ...
 *   node bench/ab.mjs --stream cp-in,cp-out [--mib 256] [--transfers 2] [--rounds 6] [--warmup 10] NAME=NODE_ARGS ...
 *   node bench/ab.mjs --create [--clients 4] [--rounds 4] [--seconds 10] [--naive] NAME=NODE_ARGS ...
 *   node bench/ab.mjs --idle [1000] [--rounds 3] [--seconds 10] [--warmup 5] NAME=NODE_ARGS ...
 * docs/deployment.md's young-generation table comes from the first, its check that the old-generation
 * floor is no longer needed from the second:
 *   node bench/ab.mjs --clients 16,64 semi4=--max-semi-space-size=4 semi16=--max-semi-space-size=16
 *   node bench/ab.mjs --stream cp-out,cp-in,logs,exec --rounds 3 --transfers 1 shipped= floor48=--initial-old-space-size=48
 * Every gateway starts as the launchers start it (their flags: servers.mjs, launcherNodeFlags);
 * a variant's flags come after those and win.
 *
 * `NAME@DIR=NODE_ARGS` runs the gateway built in another checkout DIR (its dist/), to compare two
 * commits on one environment:
 *   git worktree add /tmp/old COMMIT && (cd /tmp/old && npm ci && npm run build)
 *   node bench/ab.mjs --stream cp-in --rounds 4 --transfers 1 old@/tmp/old= new=
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answeredIds, createdProblems, newCreateRun, runContainerIds } from './lib/create-run.mjs';
import { startEnvironment } from './lib/environment.mjs';
import { holdIdleStreams } from './lib/idle-hold.mjs';
import { STREAM_CONTAINERS, pruneCreated, setupFixtures, startIdleContainers } from './lib/fixtures.mjs';
import { buildLoadgen, runLoad } from './lib/loadgen.mjs';
import { benchPolicy } from './lib/policy.mjs';
import { assertServes, sample } from './lib/proc.mjs';
import { interleaved } from './lib/scenarios.mjs';
import { startGateway, startNaiveProxy } from './lib/servers.mjs';
import { readLoadFlags } from './lib/load-flags.mjs';
import { median, mibPerSecond } from './lib/stats.mjs';

function parseArgs(argv) {
  const opts = { clients: undefined, rounds: 6, seconds: undefined, warmup: undefined, path: '/_ping', mode: 'keepalive', containers: undefined, stream: undefined, mib: 256, transfers: 2, idle: undefined, variants: [] };
  readLoadFlags(argv, opts, (arg, value, peek) => {
    if (arg === '--path') opts.path = value();
    else if (arg === '--idle') opts.idle = /^\d+$/.test(peek() ?? '') ? Number(value()) : IDLE_STREAMS;
    else if (arg === '--containers') opts.containers = Number(value());
    else if (arg === '--newconn') opts.mode = 'newconn';
    else if (arg === '--create') opts.mode = 'create';
    else if (arg === '--naive') opts.naive = true;
    else if (arg === '--stream') opts.stream = value().split(',');
    else if (arg === '--mib') opts.mib = Number(value());
    else if (arg === '--transfers') opts.transfers = Number(value());
    else if (/^\w[\w.-]*(@[^=]+)?=/.test(arg)) {
      const [label, ...rest] = arg.split('=');
      const [name, checkout] = label.split('@');
      opts.variants.push({ name, checkout, nodeArgs: rest.join('=').split(/\s+/).filter(Boolean) });
    } else return false;
    return true;
  });
  opts.clients ??= opts.mode === 'create' ? [4] : [16, 64];
  opts.warmup ??= opts.stream ? 10 : opts.idle !== undefined ? 5 : 3;
  opts.seconds ??= opts.idle !== undefined ? 10 : 5;
  opts.containers ??= opts.idle !== undefined ? 0 : 50;
  if (opts.naive) opts.variants.push({ name: NAIVE, naive: true, nodeArgs: [] });
  if (opts.stream && opts.mode !== 'keepalive') throw new Error('--stream takes neither --newconn nor --create');
  if (opts.idle !== undefined && (opts.stream || opts.mode !== 'keepalive')) throw new Error('--idle takes none of --stream, --newconn, --create');
  if (opts.idle !== undefined && (!Number.isInteger(opts.idle) || opts.idle < 1)) throw new Error('--idle takes a positive integer');
  const bad = [...opts.clients, opts.rounds, opts.seconds].some((n) => !Number.isInteger(n) || n < 1) || !Number.isFinite(opts.warmup);
  if (bad) throw new Error('--clients, --rounds and --seconds take positive integers');
  if (!Number.isInteger(opts.containers) || opts.containers < 0) throw new Error('--containers takes a whole number');
  if (![opts.mib, opts.transfers].every((n) => Number.isInteger(n) && n >= 1)) throw new Error('--mib and --transfers take positive integers');
  if (opts.stream?.some((k) => !STREAMS.has(k))) throw new Error(`--stream takes some of ${[...STREAMS.keys()].join(', ')}`);
  if (opts.variants.filter((v) => v.name === NAIVE).length > 1) throw new Error(`${NAIVE} is the name of --naive's variant`);
  if (opts.variants.length < 2) throw new Error('name at least two variants, e.g. a=--max-semi-space-size=4 b=--max-semi-space-size=16');
  return opts;
}

/** Streams `--idle` holds when given no number: the bench's default (BENCH_IDLE_STREAMS). */
const IDLE_STREAMS = 1000;

/** Preloaded into the gateways of `--idle`: their heap after forced collections, on SIGUSR2. */
const HEAP_PROBE = resolve('bench/lib/heap-probe.mjs');

/** The variant name of the naive Node proxy (--naive). */
const NAIVE = 'node-proxy';

/** The bench's stream scenarios by kind (`stream cp-out` is `cp-out`). */
const STREAMS = new Map(interleaved.filter((s) => s.id.startsWith('stream ')).map((s) => [s.id.slice('stream '.length), s]));

/** Round r runs the variants forwards when r is even and backwards when it is odd. */
function roundOrder(variants, r) {
  return r % 2 === 0 ? [...variants] : [...variants].reverse();
}

/** Requests of the unmeasured warm-ups that failed or did not answer 200: a gateway that refused them was not warmed. */
let warmupFailed = 0;

async function warmUp(env, target, opts, concurrency) {
  if (opts.warmup <= 0) return;
  if (opts.mode === 'create') {
    const r = await createLoad(env, target, concurrency, opts.warmup, target.pids);
    warmupFailed += r.failed;
    return;
  }
  const r = await runLoad(target, env.bundles.allowed, { mode: opts.mode, path: opts.path, concurrency, seconds: opts.warmup });
  warmupFailed += r.errors + (r.completed - (r.status?.['200'] ?? 0));
}

/**
 * One run of allowed creates (--create): the bench's 4 KiB body labelled for this run, every
 * connection's first request untimed (as the bench's scenario), then checked as the bench
 * checks it: each answer 201, each 201 naming one container of this run on the daemon and
 * none made without one (create-run.mjs). Resolves the load generator's result, `failed`
 * (answers that failed or were not 201, plus one per problem found) and `cpuS`, the CPU
 * seconds of `pids` from the end of the warm requests to the end of the load (before the
 * checks); the run's containers are pruned.
 */
async function createLoad(env, target, concurrency, seconds, pids) {
  const run = newCreateRun(env.root);
  try {
    let before;
    const r = await runLoad(target, env.bundles.allowed, {
      method: 'POST', path: '/containers/create', bodyFile: run.bodyFile, contentType: 'application/json',
      concurrency, seconds, warm: true, idsFile: run.idsFile, onReady: () => (before = sample(pids()).cpuSeconds),
    });
    const cpuS = sample(pids()).cpuSeconds - before;
    // The warm requests are answered too: the histogram counts every answer.
    const created = r.status?.['201'] ?? 0;
    const answers = Object.values(r.status ?? {}).reduce((a, b) => a + b, 0);
    const problems = createdProblems({ answered: created, ids: answeredIds(run.idsFile), made: await runContainerIds(env.daemon.socket, run.run) });
    for (const p of problems) console.error(`create run ${run.run}: ${p}`);
    return { ...r, cpuS, failed: r.errors + (answers - created) + problems.length + (created === 0 ? 1 : 0) };
  } finally {
    run.remove();
    await pruneCreated(env.daemon.socket);
  }
}

/** Start a variant's server: a gateway with the bench policy, or the naive proxy (--naive). */
async function startVariant(env, variant, probe = []) {
  if (variant.naive) return startNaiveProxy({ pki: env.pki, socket: env.daemon.socket });
  const dir = mkdtempSync(join(env.root, `ab-${variant.name}-`));
  const gw = await startGateway({ dir, pki: env.pki, socket: env.daemon.socket, policyYaml: benchPolicy().yaml, nodeArgs: [...probe, ...variant.nodeArgs], checkout: variant.checkout });
  return { ...gw, dir };
}

/**
 * --idle on one fresh server: the warm-up, a second's rest, then the bench's idle streams held
 * (idle-hold.mjs) with the heap probe asked 80% into the hold. Resolves one result row.
 */
async function measureIdle(env, variant, opts) {
  const gw = await startVariant(env, variant, ['--expose-gc', `--import=${HEAP_PROBE}`]);
  const target = { port: gw.port, pids: gw.pids };
  try {
    assertServes({ name: `gateway ${variant.name}`, port: gw.port, pids: gw.pids }, process.execPath);
    await warmUp(env, target, opts, opts.clients[0]);
    await sleep(1000);
    let probe;
    const onHeld = () => {
      // The naive proxy (--naive) has no probe.
      if (gw.dir) probe = setTimeout(() => process.kill(gw.pid, 'SIGUSR2'), opts.seconds * 800);
    };
    const ctx = { socket: env.daemon.socket, bundles: env.bundles, idleStreams: opts.idle, holdSeconds: opts.seconds, onHeld };
    const { result, problems, before, held } = await holdIdleStreams(target, ctx);
    clearTimeout(probe);
    for (const p of problems) console.error(`${variant.name} idle streams: ${p}`);
    const heap = gw.dir ? await probedHeap(join(gw.dir, `heap-probe-${gw.pid}.jsonl`)) : undefined;
    return { established: result.established, rssBefore: before.rssMiB, rssHeld: held.rssMiB, heapMiB: heap === undefined ? NaN : heap.usedHeap / 2 ** 20, failed: problems.length + (gw.dir && heap === undefined ? 1 : 0) };
  } finally {
    await gw.stop();
  }
}

/** The last line heap-probe.mjs wrote to `file` (waiting up to 5 s for it), or undefined if none, or if it ran without gc(). */
async function probedHeap(file) {
  for (let i = 0; i < 50 && !existsSync(file); i++) await sleep(100);
  if (!existsSync(file)) {
    console.error(`no heap probe in ${file}: the gateway did not answer SIGUSR2 during the hold`);
    return undefined;
  }
  const line = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').pop());
  return line.gc ? line : undefined;
}

async function measure(env, variant, opts, ctx) {
  const gw = await startVariant(env, variant);
  const target = { port: gw.port, pids: gw.pids };
  const out = [];
  try {
    assertServes({ name: `gateway ${variant.name}`, port: gw.port, pids: gw.pids }, process.execPath);
    if (ctx) {
      // Stream mode. A fresh gateway still has the heap limits V8 gave it at start-up; in the bench
      // (and in service) it has run other load first, and how it moves streams depends on that
      // state (docs/benchmarks.md, "Streams and V8's full collections").
      await warmUp(env, target, opts, opts.clients[0]);
      // Every transfer is checked like the bench's; its wall time and the gateway's CPU are kept.
      for (let i = 0; i < opts.transfers; i++) {
        for (const kind of opts.stream) {
          const scenario = STREAMS.get(kind);
          const before = sample(gw.pids()).cpuSeconds;
          const r = await scenario.run(target, ctx);
          const cpu = sample(gw.pids()).cpuSeconds - before;
          const problems = scenario.check(r, ctx);
          if (problems.length) console.error(`${variant.name} ${kind}: ${problems.join('; ')}`);
          out.push({ kind, transfer: i + 1, mibs: mibPerSecond(r), cpuS: cpu, failed: problems.length });
        }
      }
      return out;
    }
    for (const c of opts.clients) {
      await warmUp(env, target, opts, c);
      const before = sample(gw.pids()).cpuSeconds;
      const r = opts.mode === 'create'
        ? await createLoad(env, target, c, opts.seconds, gw.pids)
        : await runLoad(target, env.bundles.allowed, { mode: opts.mode, path: opts.path, concurrency: c, seconds: opts.seconds });
      const cpu = r.cpuS ?? sample(gw.pids()).cpuSeconds - before;
      const failed = r.failed ?? r.errors + (r.completed - (r.status?.['200'] ?? 0));
      out.push({ clients: c, rps: r.rps, p99ms: r.p99_us / 1000, cpuUs: r.completed ? (cpu / r.completed) * 1e6 : NaN, failed });
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
let fixtures;
try {
  let ctx;
  if (opts.stream) {
    // The stream containers only: no idle ones, no list is measured.
    fixtures = await setupFixtures(env.daemon.socket, opts.mib * 1024 * 1024, STREAM_CONTAINERS, env.root);
    // Streams are checked against what the daemon holds (fixtures.mjs, fresh-data.mjs).
    ctx = { fixtures, bundles: env.bundles, socket: env.daemon.socket };
  } else {
    // Imports busybox too, which the creates name and the idle streams' events tag.
    await startIdleContainers(env.daemon.socket, opts.containers);
  }
  for (let r = 0; r < opts.rounds; r++) {
    for (const v of roundOrder(opts.variants, r)) {
      const rows = opts.idle !== undefined ? [await measureIdle(env, v, opts)] : await measure(env, v, opts, ctx);
      for (const m of rows) {
        results.push({ variant: v.name, ...m });
        if (opts.idle !== undefined) console.error(`round ${r + 1} ${v.name}: ${m.established} streams, RSS ${m.rssBefore.toFixed(1)} -> ${m.rssHeld.toFixed(1)} MiB held, heap used after GC ${m.heapMiB.toFixed(2)} MiB`);
        else if (ctx) console.error(`round ${r + 1} ${v.name} ${m.kind} #${m.transfer}: ${m.mibs.toFixed(0)} MiB/s, ${m.cpuS.toFixed(2)} s CPU`);
        else console.error(`round ${r + 1} ${v.name} c${m.clients}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99ms.toFixed(2)} ms, ${m.cpuUs.toFixed(0)} µs CPU per request`);
      }
    }
  }
} finally {
  await env.stop();
  if (fixtures) rmSync(fixtures.dir, { recursive: true, force: true });
}

if (opts.idle !== undefined) {
  console.log(`\n${opts.rounds} rounds, a fresh gateway per variant per round, ${opts.warmup} s of keep-alive load at ${opts.clients[0]} clients first, then ${opts.idle} idle GET /events streams held ${opts.seconds} s; medians; RSS is the gateway's own from /proc (held: the largest sample while held), the heap V8's used heap after three forced full collections ${opts.seconds * 0.8} s into the hold\n`);
  console.log('| variant | node flags | streams | RSS before MiB | RSS held MiB | RSS held, min – max | heap used after GC MiB |');
  console.log('|---|---|--:|--:|--:|--:|--:|');
  for (const v of opts.variants) {
    const rows = results.filter((x) => x.variant === v.name);
    const held = rows.map((x) => x.rssHeld);
    const heap = rows.map((x) => x.heapMiB).filter((x) => !Number.isNaN(x));
    const cells = [Math.min(...rows.map((x) => x.established)), median(rows.map((x) => x.rssBefore)).toFixed(1), median(held).toFixed(1), `${Math.min(...held).toFixed(1)} – ${Math.max(...held).toFixed(1)}`, heap.length ? median(heap).toFixed(2) : '–'];
    console.log(`| ${v.name} | \`${v.nodeArgs.join(' ')}\` | ${cells.join(' | ')} |`);
  }
} else if (opts.stream) {
  console.log(`\n${opts.rounds} rounds, a fresh gateway per variant per round, ${opts.warmup} s of keep-alive load at ${opts.clients[0]} clients first, then ${opts.transfers} × ${opts.stream.join(' then ')} of ${opts.mib} MiB each; medians over all transfers; CPU is the gateway's own from /proc\n`);
  console.log(`| variant | node flags | stream | MiB/s | CPU s per ${opts.mib} MiB | CPU s, min – max |`);
  console.log('|---|---|---|--:|--:|--:|');
  for (const v of opts.variants) {
    for (const kind of opts.stream) {
      const rows = results.filter((x) => x.variant === v.name && x.kind === kind);
      const cpu = rows.map((x) => x.cpuS);
      console.log(`| ${v.name} | \`${v.nodeArgs.join(' ')}\` | ${kind} | ${median(rows.map((x) => x.mibs)).toFixed(0)} | ${median(cpu).toFixed(2)} | ${Math.min(...cpu).toFixed(2)} – ${Math.max(...cpu).toFixed(2)} |`);
    }
  }
} else {
  const load = { newconn: `a new TLS connection per GET ${opts.path}`, keepalive: `keep-alive GET ${opts.path}`, create: 'keep-alive POST /containers/create, 4 KiB allowed by the guards, checked as the bench checks it' }[opts.mode];
  console.log(`\n${opts.rounds} rounds of ${opts.seconds} s, ${load}, medians; CPU is the server's own from /proc\n`);
  console.log(`| variant | node flags | clients | req/s | p99 ms | CPU µs / ${opts.mode === 'create' ? 'create' : 'request'} |`);
  console.log('|---|---|--:|--:|--:|--:|');
  for (const v of opts.variants) {
    for (const c of opts.clients) {
      const rows = results.filter((x) => x.variant === v.name && x.clients === c);
      const cells = [median(rows.map((x) => x.rps)).toFixed(0), median(rows.map((x) => x.p99ms)).toFixed(2), median(rows.map((x) => x.cpuUs)).toFixed(0)];
      console.log(`| ${v.name} | \`${v.nodeArgs.join(' ')}\` | ${c} | ${cells.join(' | ')} |`);
    }
  }
}
const failed = results.reduce((s, x) => s + x.failed, 0);
if (failed) {
  const what = opts.idle !== undefined ? 'idle-stream runs failed their checks (or gave no heap probe)' : opts.stream ? 'transfers failed their checks' : opts.mode === 'create' ? 'requests failed, did not answer 201 or failed the create checks' : 'requests failed or did not answer 200';
  console.log(`\n${failed} ${what}`);
  process.exitCode = 1;
}
if (warmupFailed) {
  console.log(`\n${warmupFailed} warm-up requests failed or did not answer 200`);
  process.exitCode = 1;
}
