/**
 * What the newest reload of a set of files found them to be, so that one change is loaded once
 * (s33 probe): a TLS file changed and followed by SIGHUP was read by the signal's reload and
 * again by the file watch about 2 s later (two `TLS material loaded` lines, the reload counter
 * +2). The states are taken just before the reload reads the files, so a file that changes
 * between then and the read, or later, no longer matches and the watch still loads it: when in
 * doubt (a file that cannot be read, no reload yet) the watch reloads, as skipping a change
 * could leave a revoked certificate accepted. The policy has its own (policy-loads.ts).
 */
import { fileStates, watchFiles } from './file-watch.js';

/** The states (file-watch.ts fileStates) of `files` as the newest reload found them before reading them. */
export class FileReads {
  private read: ReadonlyMap<string, string | undefined> = new Map();

  /** @param files the files a reload reads. */
  constructor(private readonly files: readonly string[]) {}

  /** Call just before a reload reads the files (any reload: SIGHUP, the watch, a retry). */
  reading(): void {
    this.read = fileStates(this.files);
  }

  /**
   * Watch the files (watchFiles, `since` as there) and run `reload` on a change, unless the
   * newest reload already read the changed file as it is now. Returns a function that stops it.
   */
  watch(reload: () => void, since: ReadonlyMap<string, string | undefined>): () => void {
    return watchFiles(this.files, (file) => {
      if (!this.alreadyRead(file)) reload();
    }, undefined, since);
  }

  /**
   * Whether `file` is as the newest reload found it (stat and content): the watch then has
   * nothing to load. False when it cannot be read now or could not be then.
   */
  alreadyRead(file: string): boolean {
    const then = this.read.get(file);
    return then !== undefined && fileStates([file]).get(file) === then;
  }
}
