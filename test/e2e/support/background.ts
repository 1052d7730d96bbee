/** Long-running client commands of e2e tests (`docker events`, `logs -f`, `exec -i`), killed at the end of the suite. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A command started by `background`: its process, its output so far, and its exit. */
export interface Background {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far, interleaved. */
  out: () => string;
  exited: Promise<number | null>;
}

/** Start `cmd` and collect its output; `started` gets the process, to be killed at the end (killAll). */
export function background(started: ChildProcessWithoutNullStreams[], cmd: string, args: string[]): Background {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, out: () => out, exited };
}

/** SIGKILL every process of `started` still running. */
export function killAll(started: readonly ChildProcessWithoutNullStreams[]): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
