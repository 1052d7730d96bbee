/**
 * Global setup of the end-to-end project: builds the gateway (the suites run the real
 * `dockgate` CLI from dist/), starts one private dockerd and imports the busybox image.
 * There is no skip: a suite that cannot get a real daemon fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { importBusybox, startDaemon, stopDaemon } from './daemon.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dockerSocket: string;
    daemonRoot: string;
    daemonPid: number;
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
  return async () => {
    await stopDaemon(daemon);
    // dockerd can leave mounts under its root (overlay layers, netns of host-network containers):
    // unmount them deepest first before removing the directory.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(daemon.root + '/'))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(daemon.root, { recursive: true, force: true, maxRetries: 3 });
  };
}
