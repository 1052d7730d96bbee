#!/usr/bin/env -S node --max-semi-space-size=4 --inspect-port=0.0.0.1:9229
/**
 * The `dockgate` command: dispatches to `serve`, `certs ...` and `policy ...`.
 * Exit codes: 0 success, 1 operational error, 2 usage or configuration error
 * (`policy explain` exits 3 when the request would be denied).
 *
 * `--inspect-port=0.0.0.1:9229` in the shebang: Node 20 has no --disable-sigusr1, and a SIGUSR1
 * that arrives while Node itself boots, before this file runs and `serve` takes the signal over
 * (serve-signals.ts), starts the inspector. Pointed at an address no interface has, it fails
 * to listen ("address not available") instead of opening an unauthenticated debugger.
 */
import { main } from './dispatch.js';
import { realpathOrUndefined, selfCommand, setCommandName } from '../core/command-name.js';

/**
 * A reader that stops early (`dockgate policy check | head`) closes stdout's pipe, and Node
 * would throw EPIPE as an unhandled 'error' event (a stack trace). A command then stops
 * quietly; `serve` keeps running (what it prints on stdout is for the operator only).
 * A stderr whose reader has gone (a log collector that exited) is the same: nothing more can
 * be said there, and a Node warning or a refusal written to it must not end the process with
 * an unhandled EPIPE (a `serve` whose config is refused exited 1, not 2; a running gateway
 * would have died on the next warning).
 */
function quietOnClosedPipe(command: string | undefined): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (command !== 'serve') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

quietOnClosedPipe(process.argv[2]);
// Commands a message names are printed as this process can be run again (rev-newuser F1).
setCommandName(selfCommand(process.argv[1], process.env.PATH, realpathOrUndefined));
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
    // A stopped gateway must not linger on a forgotten handle; normal exits come sooner.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`dockgate: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
