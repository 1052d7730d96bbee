/**
 * Global setup of the end-to-end project: builds the gateway (the suites run the real
 * `dockgate` CLI from dist/), starts one private dockerd and imports the busybox image.
 * There is no skip: a suite that cannot get a real daemon fails.
 *
 * The daemon is detached, so a Ctrl-C (or SIGTERM) of the run does not reach it, and vitest
 * exits on those signals without running the teardown: an interrupted `npm test` left its
 * dockerd, containerd and /tmp directories behind. An 'exit' hook stops them synchronously
 * (vitest ends with process.exit after SIGINT/SIGTERM; SIGHUP is made to do the same), and a
 * run killed outright (SIGKILL) is cleaned up by the next one: both directories are claimed
 * (owner.json), and the setup first removes those whose run is gone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { claimDir, endProcessesUnder } from '../../../scripts/lib/owned-dirs.mjs';
import { importBusybox, reapOrphanedDaemons, startDaemon, stopDaemon, stopDaemonSync, type PrivateDaemon } from '../../../scripts/lib/private-dockerd.mjs';

/** The prefix of the run's daemon root under /tmp (private-dockerd.mjs's default). */
const DAEMON_PREFIX = 'dgt-';
/** The prefix of the run's scratch directory under /tmp. */
const SCRATCH_PREFIX = 'dgt-run-';

/** SIGHUP (a closed terminal) would end the process without 'exit' handlers: end it with exit instead. */
function exitOnHangup(): void {
  process.exit(129);
}

/**
 * Stop the run's daemon and remove its directories at process exit, unless the teardown did:
 * returns the function that drops the hooks (for the teardown).
 */
function cleanUpAtExit(daemon: PrivateDaemon, scratch: string): () => void {
  const atExit = (): void => {
    process.stderr.write(`\ne2e: the run was interrupted: stopping its dockerd (pid ${daemon.pid}) and removing ${daemon.root} and ${scratch}\n`);
    try {
      stopDaemonSync(daemon, { remove: true });
    } finally {
      // Gateways the tests started on files of the run (their --config is in it).
      endProcessesUnder(scratch);
      rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    }
  };
  process.once('exit', atExit);
  process.once('SIGHUP', exitOnHangup);
  return () => {
    process.off('exit', atExit);
    process.off('SIGHUP', exitOnHangup);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dockerSocket: string;
    daemonRoot: string;
    daemonPid: number;
    /** Parent of every scratch directory of the run (support/scratch.ts); removed at the end. */
    scratchRoot: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
  // Runs that were killed before their teardown (also a SIGINT while the daemon was starting).
  for (const dir of reapOrphanedDaemons(DAEMON_PREFIX)) process.stderr.write(`e2e: removed ${dir}, left by a run that was stopped before its teardown\n`);
  const daemon = await startDaemon({ prefix: DAEMON_PREFIX, claim: true });
  const scratch = mkdtempSync(join('/tmp', SCRATCH_PREFIX));
  claimDir(scratch);
  const dropExitHook = cleanUpAtExit(daemon, scratch);
  importBusybox(daemon.socket);
  project.provide('dockerSocket', daemon.socket);
  project.provide('daemonRoot', daemon.root);
  project.provide('daemonPid', daemon.pid);
  project.provide('scratchRoot', scratch);
  return async () => {
    // Also unmounts what dockerd left under its root (overlays, netns) and removes it.
    await stopDaemon(daemon, { remove: true });
    rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    // Only now: a Ctrl-C while the teardown waits for dockerd still stops it and removes both.
    dropExitHook();
  };
}
