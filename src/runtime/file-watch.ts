/**
 * Watches files for changes by polling their stat (robust against editors and tools that
 * replace files by rename, which break inotify watches), calling back once a change burst has
 * settled: the file must have gone unmodified for a quiet period. A file written in place in
 * several steps (`cat > policy.yaml`, a slow copy) would otherwise be read half-written, and a
 * valid prefix of a policy can be more permissive than the whole (a rule cut before its
 * guards). Replacing a file by rename is still the safe way to change it: no quiet period
 * covers a writer that pauses longer.
 */
import { statSync, unwatchFile, watchFile, type Stats } from 'node:fs';

/** Timing of {@link watchFiles} (ms). */
export interface WatchTiming {
  /** How often each file's stat is polled. */
  intervalMs: number;
  /** How long a file must have gone unmodified (by its mtime) before `onChange` runs. */
  quietMs: number;
}

const DEFAULT_TIMING: WatchTiming = { intervalMs: 1000, quietMs: 2000 };

/** An mtime this far ahead of the clock (a skewed writer) is not waited for again and again. */
const MAX_WAITS = 10;

/** Watch `files`; `onChange` runs after a change settles. Returns a function that stops watching. */
export function watchFiles(files: readonly string[], onChange: (file: string) => void, timing: WatchTiming = DEFAULT_TIMING): () => void {
  const timers = new Map<string, NodeJS.Timeout>();
  const settle = (file: string, waits: number): void => {
    let age = Infinity;
    try {
      age = Date.now() - statSync(file).mtimeMs;
    } catch {
      // Gone: report it now (the reload fails and says so; the old material stays).
    }
    if (age < timing.quietMs && waits < MAX_WAITS) {
      timers.set(file, setTimeout(() => settle(file, waits + 1), Math.max(timing.quietMs - Math.max(age, 0), 50)).unref());
      return;
    }
    timers.delete(file);
    onChange(file);
  };
  const listeners = files.map((file) => {
    const listener = (curr: Stats, prev: Stats): void => {
      // ctime too: a replacement that could not be read is fixed with chmod or chown, which
      // change nothing else, and the failed reload must then be retried.
      if (curr.mtimeMs === prev.mtimeMs && curr.ctimeMs === prev.ctimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
      clearTimeout(timers.get(file));
      timers.set(file, setTimeout(() => settle(file, 0), 0).unref());
    };
    watchFile(file, { interval: timing.intervalMs, persistent: false }, listener);
    return { file, listener };
  });
  return () => {
    for (const { file, listener } of listeners) unwatchFile(file, listener);
    for (const t of timers.values()) clearTimeout(t);
  };
}

/**
 * Run `run` once `file` has gone unmodified for `quietMs` (by its mtime): at once when it has,
 * or when it cannot be read (the caller's reload then fails and says so). What SIGHUP does for
 * the policy, so that a signal sent while the file is written in place does not read a prefix
 * (which may be valid and more permissive than the whole), as the watch does. Bounded by
 * MAX_WAITS for an mtime ahead of the clock. Returns a function that cancels the wait.
 */
export function whenSettled(file: string, run: () => void, quietMs = DEFAULT_TIMING.quietMs): () => void {
  let timer: NodeJS.Timeout | undefined;
  const check = (waits: number): void => {
    timer = undefined;
    let age = Infinity;
    try {
      age = Date.now() - statSync(file).mtimeMs;
    } catch {
      // Gone or unreadable: run now.
    }
    if (age < quietMs && waits < MAX_WAITS) {
      timer = setTimeout(() => check(waits + 1), Math.max(quietMs - Math.max(age, 0), 50)).unref();
      return;
    }
    run();
  };
  check(0);
  return () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}
