/**
 * Watches files for changes by polling their stat (robust against editors and tools that
 * replace files by rename, which break inotify watches), calling back once a change burst has
 * settled: the file must have gone unchanged (stat and content) for a quiet period. A file written in place in
 * several steps (`cat > policy.yaml`, a slow copy) would otherwise be read half-written, and a
 * valid prefix of a policy can be more permissive than the whole (a rule cut before its
 * guards). The callback gets the bytes the last look found settled, so a caller loads those
 * rather than read the file again, which a writer starting just then could have half-written.
 * Replacing a file by rename is still the safe way to change it: no quiet period covers a
 * writer that pauses longer.
 */
import { createHash } from 'node:crypto';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { readRegularFileAndStat } from '../config/regular-file.js';
import { MAX_TLS_FILE_BYTES } from '../server/tls-material-files.js';
import { MAX_YAML_FILE_BYTES } from '../config/yaml-file.js';

/** The most a snapshot reads: the largest file any watched file's loader takes. */
const MAX_WATCHED_FILE_BYTES = Math.max(MAX_TLS_FILE_BYTES, MAX_YAML_FILE_BYTES);

/** Timing of {@link watchFiles} (ms). */
export interface WatchTiming {
  /** How often each file's stat is polled. */
  intervalMs: number;
  /** How long a file must have gone unchanged before `onChange` runs. */
  quietMs: number;
}

const DEFAULT_TIMING: WatchTiming = { intervalMs: 1000, quietMs: 2000 };

/**
 * What a settle wait found a file to be when it judged it settled: the bytes it read then (a
 * caller loads these, never a later read), or why it could not be read.
 */
export type SettledFile = { readonly bytes: Buffer } | { readonly error: Error };

/** One look at a file: its stat (size, mtime, ctime, inode) and content hash as a key, and its bytes. */
interface Look {
  key: string;
  mtimeMs: number;
  bytes: Buffer;
}

/**
 * What a file is now: its stat and a hash of its content, so a change is seen on a file system
 * with a coarse mtime too, and the bytes hashed; or why it cannot be read. The stat is taken
 * after the read, on the same open file, so a write during the read shows in its mtime.
 */
function look(file: string): Look | Error {
  try {
    // Read as the loaders read (regular-file.ts): a FIFO in the file's place is refused without
    // waiting for a writer (a plain read blocked the whole gateway, SIGTERM included: rev-fix-config
    // R1), and no more than the largest file a loader takes is read.
    const { bytes, stat: st } = readRegularFileAndStat(file, MAX_WATCHED_FILE_BYTES);
    const hash = createHash('sha256').update(bytes).digest('hex');
    return { key: `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${hash}`, mtimeMs: st.mtimeMs, bytes };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The key of what a file is now (look), undefined when it cannot be read. */
function snapshot(file: string): string | undefined {
  const now = look(file);
  return now instanceof Error ? undefined : now.key;
}

/** Why a wait for a file to settle started: what {@link whenSettled}'s `waiting` hears, once. */
export interface SettleWait {
  /** ms since the file's mtime; negative when the mtime is ahead of the clock. */
  ageMs: number;
  quietMs: number;
}

/** The log line of a SIGHUP's policy read that waits (`policy-settle-wait`). */
export function settleWaitMessage(w: SettleWait): string {
  const quiet = `${w.quietMs / 1000} s`;
  const when = w.ageMs < 0 ? `its mtime is ${Math.round(-w.ageMs / 1000)} s ahead of the clock (copied from a host with another time?)` : `it was modified ${Math.round(w.ageMs)} ms ago`;
  return `SIGHUP: the policy file is read once it has not changed for ${quiet}, for as long as it keeps changing: ${when}; replace it by rename to have it read at once`;
}

/**
 * Run `done` once `file` has gone unchanged for `quietMs`: at once when its mtime is that far
 * in the past, or when it cannot be read (the caller's reload then fails and says so).
 * Otherwise it is looked at again until it has not changed (stat and content) over a whole
 * quiet period, for as long as it keeps changing; the first wait is counted from its mtime,
 * but an mtime ahead of the clock (a copy from a skewed host) only costs one quiet period.
 * `done` gets the bytes of the look that found it settled (or its read error). `waiting` hears
 * when a wait starts. Returns a function that cancels the wait.
 */
function untilQuiet(file: string, quietMs: number, done: (settled: SettledFile) => void, waiting?: (wait: SettleWait) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let last = look(file);
  const check = (): void => {
    timer = undefined;
    const now = look(file);
    if (now instanceof Error) return done({ error: now });
    if (!(last instanceof Error) && now.key === last.key) return done({ bytes: now.bytes });
    last = now;
    timer = setTimeout(check, quietMs).unref();
  };
  if (last instanceof Error) {
    done({ error: last });
    return () => {};
  }
  const ageMs = Date.now() - last.mtimeMs;
  if (ageMs >= quietMs) {
    done({ bytes: last.bytes });
    return () => {};
  }
  waiting?.({ ageMs, quietMs });
  timer = setTimeout(check, ageMs < 0 ? quietMs : Math.max(quietMs - ageMs, 50)).unref();
  return () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}

/**
 * What each of `files` is now (stat and content; undefined when unreadable): taken before the
 * files are first loaded, it is {@link watchFiles}' `since`.
 */
export function fileStates(files: readonly string[]): ReadonlyMap<string, string | undefined> {
  return new Map(files.map((file) => [file, snapshot(file)]));
}

/**
 * Watch `files`; `onChange` runs after a change settles, with what the settle wait read (untilQuiet).
 * Returns a function that stops watching.
 * With `since` (fileStates taken before the files were loaded), a file that already differs
 * from it when the watch starts is a change too: fs.watchFile's first stat is taken when the
 * watch starts, so a file replaced between the load and then was never reloaded (rev-fix-config
 * R2: a CRL revoking bob, renamed in while the gateway started, let bob in until the next change).
 */
export function watchFiles(files: readonly string[], onChange: (file: string, settled: SettledFile) => void, timing: WatchTiming = DEFAULT_TIMING, since?: ReadonlyMap<string, string | undefined>): () => void {
  const waits = new Map<string, () => void>();
  const changed = (file: string): void => {
    // Each change starts the wait again.
    waits.get(file)?.();
    waits.set(file, untilQuiet(file, timing.quietMs, (settled) => {
      waits.delete(file);
      onChange(file, settled);
    }));
  };
  const listeners = files.map((file) => {
    const listener = (curr: Stats, prev: Stats): void => {
      // ctime too: a replacement that could not be read is fixed with chmod or chown, which
      // change nothing else, and the failed reload must then be retried.
      if (curr.mtimeMs === prev.mtimeMs && curr.ctimeMs === prev.ctimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
      changed(file);
    };
    watchFile(file, { interval: timing.intervalMs, persistent: false }, listener);
    return { file, listener };
  });
  if (since) for (const file of new Set(files)) if (since.has(file) && snapshot(file) !== since.get(file)) changed(file);
  return () => {
    for (const { file, listener } of listeners) unwatchFile(file, listener);
    for (const cancel of waits.values()) cancel();
    waits.clear();
  };
}

/**
 * Run `run` once `file` has gone unchanged for `quietMs`, as the watch does (untilQuiet): what
 * SIGHUP does for the policy, so that a signal sent while the file is written in place does not
 * read a prefix (which may be valid and more permissive than the whole). It waits for as long as
 * the file keeps changing (rev-fix-reload R2: it used to give up after about 20 s and read it
 * anyway), and an mtime ahead of the clock costs one quiet period, not 20 s. `run` gets the
 * bytes found settled, to load instead of reading the file again. `waiting` hears once when the
 * read has to wait (for a log line). Returns a function that cancels the wait.
 */
export function whenSettled(file: string, run: (settled: SettledFile) => void, opts: { quietMs?: number; waiting?: (wait: SettleWait) => void } = {}): () => void {
  return untilQuiet(file, opts.quietMs ?? DEFAULT_TIMING.quietMs, run, opts.waiting);
}
