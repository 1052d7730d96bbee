/**
 * Global setup of the end-to-end project: builds the gateway (the suites run the real
 * `dockgate` CLI from dist/), starts one private dockerd and imports the busybox image.
 * There is no skip: a suite that cannot get a real daemon fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { importBusybox, startDaemon, stopDaemon } from '../../../scripts/lib/private-dockerd.mjs';

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
  const daemon = await startDaemon();
  importBusybox(daemon.socket);
  project.provide('dockerSocket', daemon.socket);
  project.provide('daemonRoot', daemon.root);
  project.provide('daemonPid', daemon.pid);
  const scratch = mkdtempSync('/tmp/dgt-run-');
  project.provide('scratchRoot', scratch);
  return async () => {
    // Also unmounts what dockerd left under its root (overlays, netns) and removes it.
    await stopDaemon(daemon, { remove: true });
    rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  };
}
