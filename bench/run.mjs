/**
 * `npm run bench`: starts a private dockerd (unix socket + its own --tlsverify listener),
 * nginx as an mTLS reverse proxy, a naive Node https + http-proxy gateway (node-proxy) and
 * the dockgate gateway on loopback, runs every scenario
 * against every target in interleaved rounds, and writes bench/results/latest.{md,json}.
 *
 * `node bench/run.mjs --smoke`: seconds per scenario, small streams, few idle streams: checks
 * that every target answered correctly (status codes, every body's size against the daemon's own
 * socket, one container made per 201 and named by its Id, the streams' length and sha256
 * against what the daemon holds with data fresh per transfer, the exec run to exit code 0, what cp in stored,
 * connections opened, why the gateway refused, that held streams stream; scenarios.mjs) and
 * exits non-zero otherwise. The full run applies the same checks.
 *
 * Environment: BENCH_SECONDS (per run, default 5), BENCH_ROUNDS (default 2),
 * BENCH_STREAM_MIB (default 256), BENCH_IDLE_STREAMS (default 1000), BENCH_HOLD_SECONDS
 * (default 10), BENCH_SOAK_SECONDS (default 600), BENCH_NGINX_WORKERS (default 1),
 * BENCH_WARMUP_SECONDS (unmeasured load on every target before round 1, default 10),
 * BENCH_ONLY (comma-separated scenario id prefixes, for quick looks).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEnvironment } from './lib/environment.mjs';
import { STREAM_CONTAINERS, setupFixtures } from './lib/fixtures.mjs';
import { buildLoadgen } from './lib/loadgen.mjs';
import { sample } from './lib/proc.mjs';
import { markdownReport } from './lib/report.mjs';
import { holdIdleStreams } from './lib/idle-hold.mjs';
import { interleaved, runMix, soakMix } from './lib/scenarios.mjs';
import { aggregate } from './lib/stats.mjs';

const smoke = process.argv.includes('--smoke');
const num = (name, full, small) => Number(process.env[name] ?? (smoke ? small : full));
const settings = {
  seconds: num('BENCH_SECONDS', 5, 1),
  rounds: num('BENCH_ROUNDS', 2, 1),
  streamMiB: num('BENCH_STREAM_MIB', 256, 4),
  idleStreams: num('BENCH_IDLE_STREAMS', 1000, 50),
  holdSeconds: num('BENCH_HOLD_SECONDS', 10, 2),
  soakSeconds: num('BENCH_SOAK_SECONDS', 600, 3),
  nginxWorkers: num('BENCH_NGINX_WORKERS', 1, 1),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 10, 1),
};
/** The running containers `GET /containers/json` lists (issue 7: "50 containers present"). */
const LISTED = 50;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const selected = (id) => !only || only.some((p) => id.startsWith(p));

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

/**
 * Run one scenario on one target, with the proxies' and the daemon's CPU measured around it:
 * from when the load generator says measuring starts (after the keep-alive connections'
 * untimed first requests, so no handshake is in a keep-alive figure) to its end.
 */
async function measure(scenario, target, ctx) {
  let before = sample(target.pids());
  let daemonBefore = sample([ctx.daemonPid]);
  const onReady = () => {
    before = sample(target.pids());
    daemonBefore = sample([ctx.daemonPid]);
  };
  const result = await scenario.run(target, { ...ctx, onReady });
  const after = sample(target.pids());
  const daemonAfter = sample([ctx.daemonPid]);
  const problems = scenario.check(result, ctx).map((p) => `${scenario.id} on ${target.name}: ${p}`);
  return {
    result,
    problems,
    proxyCpu: target.proxy ? after.cpuSeconds - before.cpuSeconds : 0,
    daemonCpu: daemonAfter.cpuSeconds - daemonBefore.cpuSeconds,
  };
}

/**
 * Unmeasured warm-up before round 1: keep-alive and new-connection load on every target (the
 * soak's mix without its refused creates, which only dockgate refuses), then one run of the
 * allowed creates (scenario 4, checked as it is, its containers pruned) when that scenario is
 * selected. Without it round 1 measures V8 compiling the Node targets' hot paths, which nginx
 * and dockerd do not have; GET load alone warms the naive proxy's create path (the same code)
 * but not the gateway's body inspection and guards (perf-create, 2026-12-07).
 */
async function warmUp(env, ctx, problems) {
  if (ctx.warmupSeconds <= 0) return;
  const loads = soakMix(ctx.warmupSeconds).filter(([, bundle]) => bundle === 'allowed');
  for (const target of env.targets) problems.push(...(await runMix(target, ctx, loads, `warm-up on ${target.name}:`)).problems);
  const creates = interleaved.find((s) => s.id === 'create allowed c4' && selected(s.id));
  if (creates) {
    for (const target of env.targets) {
      const r = await creates.run(target, ctx);
      problems.push(...creates.check(r, ctx).map((p) => `warm-up ${creates.id} on ${target.name}: ${p}`));
    }
  }
  log(`warm-up: ${ctx.warmupSeconds} s of ${loads.map(([label]) => label).join(', ')}${creates ? `, then ${ctx.seconds} s of ${creates.id}` : ''} on every target`);
}

async function runInterleaved(env, ctx, problems) {
  const samples = new Map();
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const scenario of interleaved.filter((s) => selected(s.id))) {
      // Rotate the target order each round so no target always runs first (warm caches, GC).
      const order = env.targets.map((_, i) => env.targets[(i + round) % env.targets.length]);
      for (const target of order) {
        if (scenario.only && !scenario.only.includes(target.name)) continue;
        const m = await measure(scenario, target, ctx);
        problems.push(...m.problems);
        const key = `${scenario.id}|${target.name}`;
        samples.set(key, [...(samples.get(key) ?? []), m]);
        log(`round ${round + 1} ${scenario.id} ${target.name}: ${m.result.rps.toFixed(0)} req/s p99 ${(m.result.p99_us / 1000).toFixed(2)} ms${m.problems.length ? ` PROBLEMS: ${m.problems.join('; ')}` : ''}`);
      }
    }
  }
  return interleaved.filter((s) => selected(s.id)).map((s) => ({
    id: s.id,
    group: s.group,
    title: s.title,
    metrics: s.metrics,
    cells: Object.fromEntries(env.targets.filter((t) => samples.has(`${s.id}|${t.name}`)).map((t) => [t.name, aggregate(samples.get(`${s.id}|${t.name}`))])),
  }));
}

/** Scenario 6: hold idle /events streams on each TLS target and sample its RSS meanwhile. */
async function runIdle(env, ctx, problems) {
  const out = {};
  for (const target of env.targets.filter((t) => t.name !== 'direct')) {
    const { result, problems: found, before, held } = await holdIdleStreams(target, ctx);
    problems.push(...found.map((p) => `idle streams on ${target.name}: ${p}`));
    out[target.name] = { established: result.established, streamed: result.streamed, rssBefore: before.rssMiB, rssHeld: held.rssMiB, cpu: sample(target.pids()).cpuSeconds - before.cpuSeconds };
    log(`idle ${target.name}: ${result.established} streams (${result.streamed} received events), RSS ${before.rssMiB.toFixed(1)} -> ${held.rssMiB.toFixed(1)} MiB`);
    // Let the target close the streams before the next one starts.
    await sleep(1000);
  }
  return out;
}

/**
 * Scenario 7: mixed load on the gateway. Start and end are sampled in the same state, so the
 * difference is growth and not load: the same mix runs first as a warm-up (a tenth of the soak,
 * 1 to 30 s), then, like after the soak, the gateway is left idle for 2 s before sampling.
 */
async function runSoak(env, ctx, problems) {
  const gateway = env.targets.find((t) => t.name === 'dockgate');
  const warmup = Math.max(1, Math.min(30, ctx.soakSeconds * 0.1));
  problems.push(...(await runMix(gateway, ctx, soakMix(warmup), 'soak warm-up')).problems);
  // Let the last connections close, as a client that stops calling would; the same after the soak.
  await sleep(2000);
  const start = sample(gateway.pids());
  let maxRss = start.rssMiB;
  let maxFds = start.fds;
  const sampler = setInterval(() => {
    const s = sample(gateway.pids());
    maxRss = Math.max(maxRss, s.rssMiB);
    maxFds = Math.max(maxFds, s.fds);
  }, 1000);
  const mix = soakMix(ctx.soakSeconds);
  const { requests, problems: found } = await runMix(gateway, ctx, mix, 'soak');
  clearInterval(sampler);
  problems.push(...found);
  await sleep(2000);
  const end = sample(gateway.pids());
  return {
    seconds: ctx.soakSeconds,
    warmupSeconds: warmup,
    start,
    end,
    maxRss,
    maxFds,
    requests,
    cpu10k: ((end.cpuSeconds - start.cpuSeconds) / requests) * 10_000,
    mix: mix.map(([label, , opts]) => `${label} ×${opts.concurrency}`),
  };
}

async function main() {
  buildLoadgen();
  log(`starting (${smoke ? 'smoke' : 'full'}): ${JSON.stringify(settings)}`);
  const env = await startEnvironment({ nginxWorkers: settings.nginxWorkers });
  const problems = [];
  let results;
  let fixtures;
  try {
    log(`fixtures: busybox image, ${LISTED} running containers (the stream containers and ${LISTED - STREAM_CONTAINERS} idle ones), stream blobs`);
    fixtures = await setupFixtures(env.daemon.socket, settings.streamMiB * 1024 * 1024, LISTED, env.root);
    const ctx = { ...settings, bundles: env.bundles, fixtures, socket: env.daemon.socket, daemonPid: env.daemon.pid };
    await warmUp(env, ctx, problems);
    const scenarios = await runInterleaved(env, ctx, problems);
    const idle = selected('idle') ? await runIdle(env, ctx, problems) : undefined;
    const soak = selected('soak') ? await runSoak(env, ctx, problems) : undefined;
    results = {
      smoke,
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
      ...settings,
      policyRules: env.policyRules,
      scenarios,
      idle,
      soak,
      problems,
    };
  } finally {
    await env.stop();
    if (fixtures) rmSync(fixtures.dir, { recursive: true, force: true });
  }
  const dir = resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  // A smoke run must not replace the last full run's figures.
  const base = smoke ? 'smoke' : 'latest';
  writeFileSync(resolve(dir, `${base}.json`), JSON.stringify(results, null, 2));
  const md = markdownReport(results);
  writeFileSync(resolve(dir, `${base}.md`), md);
  process.stdout.write(md);
  if (problems.length) {
    log(`${problems.length} problem(s): the benchmark did not answer correctly`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  log(err.stack ?? String(err));
  process.exitCode = 1;
});
