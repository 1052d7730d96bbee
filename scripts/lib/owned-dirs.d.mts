/** Types of owned-dirs.mjs (directories under /tmp that must not outlive the process that made them). */

/** The start time of process `pid` (/proc/PID/stat field 22), or undefined when it is gone. */
export function processStart(pid: number): string | undefined;
/** Mark `dir` as made by this process (owner.json). */
export function claimDir(dir: string): void;
/** Give up the claim on `dir` (remove its owner.json): it outlives this process. */
export function releaseDir(dir: string): void;
/** Whether the process that claimed `dir` is gone: false without a readable owner.json, for a symbolic link or another user's, or a claim from another pid namespace. */
export function ownerGone(dir: string): boolean;
/** The pids of the processes whose command line names `dir` (a whole argument, or after `=`) or a path under it. */
export function processesUnder(dir: string): number[];
/** Each /tmp/<prefix>* directory whose owner is gone, handed to `remove`; returns those removed (a failure is reported on stderr and left). */
export function reapOrphanedDirs(prefix: string, remove: (dir: string) => void): string[];
/** Send `signal` to `pid` unless it is gone; wait up to `ms` for it to go. Returns whether it went. */
export function signalAndWait(pid: number, signal: NodeJS.Signals, ms: number): boolean;
/** End every process whose command line names a path under `dir`, and their descendants (a daemon's containers): SIGTERM to all at once, and SIGKILL to those left after 10 s. */
export function endProcessesUnder(dir: string): void;
