/**
 * Starts the five targets on loopback and tears them down again:
 * direct (the daemon's unix socket), dockerd-tls (dockerd's own --tlsverify listener),
 * nginx (generic mTLS reverse proxy), node-proxy (a naive Node https + http-proxy gateway,
 * no policy) and dockgate (the gateway with the bench policy).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import { claimDir, endProcessesUnder } from '../../scripts/lib/owned-dirs.mjs';
import { reapOrphanedDaemons, startDaemon, stopDaemon, stopDaemonSync } from '../../scripts/lib/private-dockerd.mjs';
import { api } from './docker-api.mjs';
import { stopLoads } from './loadgen.mjs';
import { benchPolicy } from './policy.mjs';
import { assertServes } from './proc.mjs';
import { NGINX, freePort, startGateway, startNaiveProxy, startNginx, startReferenceServer } from './servers.mjs';

/** The signals that stop the environment (a closed terminal's SIGHUP too: Node's default exits at once, leaving it all). */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function dockgateCli(args) {
  const r = spawnSync(process.execPath, [resolve('dist/cli/main.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dockgate ${args.join(' ')} failed: ${r.stderr}`);
}

/** Create the PKI: CA + server certificate for 127.0.0.1, and the two load clients. */
function makePki(dir) {
  dockgateCli(['certs', 'init', '--dir', dir, '--host', '127.0.0.1']);
  dockgateCli(['certs', 'issue', 'bench', '--dir', dir]);
  dockgateCli(['certs', 'issue', 'bench-denied', '--dir', dir]);
}

/**
 * Start everything. `gatewayNodeArgs` are passed to node for the gateway (profiling);
 * `references` names reference servers (bench/lib/reference/) to start as well, returned as
 * `references` targets (bench/layers.mjs), not among `targets`.
 * Returns { root, daemon, pki, bundles, targets, references, policyRules, stop }.
 *
 * SIGINT, SIGTERM and SIGHUP (Ctrl-C, a kill, a test's timeout, a closed terminal) stop
 * whatever has started and exit 130, 143 or 129, or the private dockerd with its containers,
 * nginx and the Node servers outlive the bench. A signal while the environment is still
 * starting is acted on once the step in progress has finished (booting dockerd takes up to a
 * minute), so that step is stopped too. Should the process exit otherwise before stopping them
 * (an uncaught error), an 'exit' hook stops them synchronously. Both directories, the
 * environment's and the daemon's, are claimed (owner.json, scripts/lib/owned-dirs.mjs): a run
 * killed outright (SIGKILL) is cleaned up by the next, which first stops the processes naming a
 * `/tmp/dgb-*` directory whose run is gone, by pid, and removes it (also profile.mjs's
 * `dgb-prof-*` of a run that did not finish). Unclaimed directories (older runs, a finished
 * run's profile) and those of a live run are not touched.
 */
export async function startEnvironment({ gatewayNodeArgs = [], nginxWorkers = 1, references = [] } = {}) {
  for (const dir of reapOrphanedDaemons('dgb-')) process.stderr.write(`[bench] removed ${dir}, left by a run that was stopped before its teardown\n`);
  const root = mkdtempSync('/tmp/dgb-env-');
  claimDir(root);
  /** What has started, as the functions that stop it; run in reverse. */
  const stops = [];
  /** The daemon once started, for the 'exit' hook. */
  let daemonStarted;
  /** The last resort: the process exits with the environment not stopped. */
  const atExit = () => {
    process.stderr.write(`[bench] exiting with the environment running: stopping ${daemonStarted ? `dockerd (pid ${daemonStarted.pid}) and ` : ''}what names ${root}\n`);
    if (daemonStarted) stopDaemonSync(daemonStarted, { remove: true });
    endProcessesUnder(root);
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', atExit);
  let stopping;
  const stopAll = () => (stopping ??= (async () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    for (const stop of [...stops].reverse()) await stop();
    process.off('exit', atExit);
  })());
  let starting = true;
  let interruptedBy;
  const exitAfterSignal = (signal) => {
    stopAll()
      .catch((err) => process.stderr.write(`[bench] stopping failed: ${err.message}\n`))
      .finally(() => {
        rmSync(root, { recursive: true, force: true, maxRetries: 3 });
        process.exit(128 + osConstants.signals[signal]);
      });
  };
  function onSignal(signal) {
    process.stderr.write(`[bench] ${signal}: stopping the environment\n`);
    interruptedBy = signal;
    stopLoads();
    // While starting, the start sequence notices at its next step and stops what it started.
    if (!starting) exitAfterSignal(signal);
  }
  for (const signal of SIGNALS) process.once(signal, onSignal);
  /** Between start steps: give up when a signal came in meanwhile. */
  const checkpoint = () => {
    if (interruptedBy) throw new Error(`interrupted by ${interruptedBy}`);
  };
  try {
    const pki = join(root, 'pki');
    makePki(pki);
    checkpoint();
    const tls = { port: await freePort(), ca: join(pki, 'ca.pem'), cert: join(pki, 'server-cert.pem'), key: join(pki, 'server-key.pem') };
    const daemon = await startDaemon({ prefix: 'dgb-', tls, claim: true });
    daemonStarted = daemon;
    // Remove every container first: a stopped dockerd can leave containerd shims (and their
    // processes) behind. A few at a time, each call bounded: once, 50 force-removals at once left
    // dockerd answering none of them, and the bench waited for ever; the daemon is stopped anyway.
    const removeAll = async () => {
      const bounded = { timeoutMs: 30_000 };
      const list = await api(daemon.socket, 'GET', '/containers/json?all=1', undefined, bounded).catch(() => ({ body: [] }));
      const ids = Array.isArray(list.body) ? list.body.map((c) => c.Id) : [];
      for (let i = 0; i < ids.length; i += 8) {
        const batch = ids.slice(i, i + 8);
        const results = await Promise.allSettled(batch.map((id) => api(daemon.socket, 'DELETE', `/containers/${id}?force=1`, undefined, bounded)));
        // A daemon that stopped answering is stopped as it is.
        if (results.some((r) => r.status === 'rejected')) break;
      }
    };
    stops.push(async () => {
      await removeAll();
      await stopDaemon(daemon, { remove: true });
    });
    checkpoint();
    mkdirSync(join(root, 'nginx'));
    const nginx = await startNginx({ dir: join(root, 'nginx'), pki, socket: daemon.socket, workers: nginxWorkers });
    stops.push(() => nginx.stop());
    checkpoint();
    const naive = await startNaiveProxy({ pki, socket: daemon.socket });
    stops.push(() => naive.stop());
    checkpoint();
    mkdirSync(join(root, 'gateway'));
    const policy = benchPolicy();
    const gateway = await startGateway({ dir: join(root, 'gateway'), pki, socket: daemon.socket, policyYaml: policy.yaml, nodeArgs: gatewayNodeArgs });
    stops.push(() => gateway.stop());
    checkpoint();
    const referenceTargets = [];
    for (const name of references) {
      const server = await startReferenceServer(name, { pki, socket: daemon.socket });
      stops.push(() => server.stop());
      checkpoint();
      referenceTargets.push({ name, port: server.port, pids: server.pids, proxy: true });
    }
    starting = false;
    const targets = [
      { name: 'direct', unix: daemon.socket, pids: () => [daemon.pid] },
      { name: 'dockerd-tls', port: tls.port, pids: () => [daemon.pid] },
      { name: 'nginx', port: nginx.port, pids: nginx.pids, proxy: true },
      { name: 'node-proxy', port: naive.port, pids: naive.pids, proxy: true },
      { name: 'dockgate', port: gateway.port, pids: gateway.pids, proxy: true },
    ];
    // The pids whose CPU and memory are read must be the servers' (the daemon's binary varies).
    const exe = { nginx: NGINX, 'node-proxy': process.execPath, dockgate: process.execPath };
    for (const t of targets) assertServes(t, exe[t.name]);
    for (const t of referenceTargets) assertServes(t, process.execPath);
    return {
      root,
      daemon,
      pki,
      gateway,
      nginx,
      naive,
      bundles: { allowed: join(pki, 'clients', 'bench'), denied: join(pki, 'clients', 'bench-denied') },
      targets,
      references: referenceTargets,
      policyRules: policy.rules,
      async stop({ keep = false } = {}) {
        // After a signal the process exits once everything has stopped: the caller goes no
        // further (an interrupted run writes no results).
        if (interruptedBy) return new Promise(() => {});
        await stopAll();
        if (!keep) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
      },
    };
  } catch (err) {
    if (interruptedBy) {
      exitAfterSignal(interruptedBy);
      // The process exits once everything has stopped.
      return new Promise(() => {});
    }
    await stopAll();
    throw err;
  }
}
