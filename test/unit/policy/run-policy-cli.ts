/** The `dockgate policy` command run in-process, as the policy CLI tests run it. */
import { PassThrough, Readable } from 'node:stream';
import { runPolicyCommand } from '../../../src/policy/cli.js';

/** What one run of `dockgate policy ARGV` printed, and its exit code. */
export interface PolicyCliRun {
  code: number;
  out: string;
  err: string;
}

/** Run `dockgate policy ARGV` with `stdin` as standard input, collecting what it writes. */
export async function runPolicyCli(argv: string[], stdin?: string): Promise<PolicyCliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const code = await runPolicyCommand(argv, { stdout, stderr, stdin: stdin === undefined ? undefined : Readable.from([stdin]) });
  return { code, out, err };
}
