/**
 * The audit log: one JSON line per decision, to stdout or to a file that is reopened on SIGUSR1
 * (logrotate's `postrotate kill -USR1`).
 *
 * Records written during one turn of the event loop are joined and written with one
 * synchronous `write(2)` at the end of the turn (setImmediate), on the event-loop thread. A
 * page-cache write costs a few microseconds; the asynchronous alternative (a libuv threadpool
 * job per write) woke a second thread and the loop again for every request, which was the
 * largest single cost of a proxied request (docs/benchmarks.md).
 *
 * Nothing is lost on the way: a failed or partial write (a full disk, a full pipe) keeps the unwritten bytes and retries
 * (after 100 ms, doubling up to 2 s, or after 10 ms when the write took part of the bytes, as a
 * pipe whose reader reads does; records that arrive meanwhile wait for the retry, so a
 * refusing destination costs no write attempt and no copy of the backlog per request);
 * a reopen writes everything pending to the old file first; `close` and `flush` drain.
 * What cannot be written by the end (the destination still refuses at `close`) is counted and
 * reported, never dropped silently, and a record the destination took only part of is cut off
 * the file again (or, on a pipe, ended with a newline), so the file never holds half a line
 * that would run into the next record. `close` waits on timers that keep the process alive, so
 * a gateway whose listeners have closed still reports what it could not write.
 *
 * A file that is deleted or moved away without a SIGUSR1 is noticed within a second (its path no
 * longer names the open file) and reopened, so records do not go on into a file nobody sees.
 * When it cannot be reopened (a directory in its place), that is reported once, `health()`
 * says so (readiness fails), and records that go on into a deleted file are counted as lost.
 * The file is opened non-blocking: a FIFO whose reader stops refuses writes (EAGAIN, kept and
 * retried) instead of stopping the gateway.
 *
 * Every record lost (dropped past the backlog cap, left as a broken line, written into a
 * deleted file, unwritten at `close`) is counted in `health().lostRecords` as it is lost, so a
 * metric (and an alert) shows the loss while the gateway runs, not only in its exit status.
 */
import { closeSync, fstatSync, ftruncateSync, writeSync } from 'node:fs';
import { openAppend } from './audit-file.js';
import { auditLine } from './audit-line.js';
import { unopened } from './audit-log-unopened.js';
import type { AuditLog, AuditLogOptions } from './audit-log-types.js';
import { AuditLosses } from './audit-losses.js';
import { openFileDeleted, pathChange } from './audit-path-check.js';
import { unwrittenRecords } from './audit-unwritten.js';
import { countRecords, LineQueue } from './line-queue.js';

/** Delay before retrying a destination that refused a write (EAGAIN, ENOSPC, EIO); doubled while it keeps refusing. */
const RETRY_MS = 100;
/**
 * Delay before retrying a destination that took part of the write before it refused (a pipe
 * whose reader is reading: it took a pipe's worth, 64 KiB). Short, and not doubled: backing
 * off there held a reader that had stalled once to 64 KiB per 2 s ever after.
 */
const RETRY_AFTER_PROGRESS_MS = 10;
/** Longest delay between retries. */
const MAX_RETRY_MS = 2000;
/** How long a full pipe (EAGAIN, usually a slow reader) may refuse before it is reported. */
const EAGAIN_REPORT_MS = 2000;
const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from('\n');

/** Open the audit log. A file that cannot be opened makes `ready` reject (the gateway refuses to start). */
export function createAuditLog(opts: AuditLogOptions = {}): AuditLog {
  const file = opts.file;
  const maxBacklog = opts.maxBacklogBytes ?? 64 * 1024 * 1024;
  const write = opts.writeSync ?? ((fd: number, buf: Buffer, off: number, len: number) => writeSync(fd, buf, off, len));
  let fd: number;
  try {
    fd = file === undefined ? 1 : openAppend(file);
  } catch (err) {
    // Not onError: the gateway would log "audit log write failed" for a log nothing was
    // written to, before its own list of configuration problems, which names the file.
    return unopened(err as Error);
  }
  /** Lines written since the last drain. */
  let pending: string[] = [];
  /** Bytes a write refused, written before anything newer. */
  const backlog = new LineQueue();
  /** Bytes of the backlog's first line already in the file (a partial write): that line is half there. */
  let partial = 0;
  let scheduled: NodeJS.Immediate | undefined;
  let retry: NodeJS.Timeout | undefined;
  /** Delay of the next retry: grows while the destination refuses, back to RETRY_MS once it takes a write. */
  let retryMs = RETRY_MS;
  let closed = false;
  let lastErrorCode: string | undefined;
  let refusingSince: number | undefined;
  let lastError: string | undefined;
  /**
   * Set while `file` no longer names the open file and cannot be opened again (a directory in
   * its place, a directory that refuses new files): records still go to the old file, which
   * nobody sees, or which is gone. Cleared by a reopen that succeeds.
   */
  let pathProblem: { since: number; error: string; deleted: boolean } | undefined;
  /** The records lost so far (audit-losses.ts). */
  const losses = new AuditLosses();

  function report(err: Error): void {
    // One report per kind of failure until a write succeeds again (a full disk fails every retry).
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    if (code === lastErrorCode) return;
    lastErrorCode = code;
    opts.onError?.(err);
  }

  /** Write everything pending now. Returns false when bytes remain (a retry is scheduled). */
  function drain(): boolean {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending.length > 0) {
      backlog.push(Buffer.from(pending.length === 1 ? (pending[0] as string) : pending.join(''), 'utf8'));
      pending = [];
    }
    let progressed = false;
    for (let chunk = backlog.first(); chunk; chunk = backlog.first()) {
      // The first `partial` bytes are already in the file; they stay in the chunk so the record
      // is whole again should the half in the file have to be cut off (reopen, close).
      let off = partial;
      while (off < chunk.length) {
        try {
          const n = write(fd, chunk, off, chunk.length - off);
          off += n;
          if (n > 0) progressed = true;
        } catch (err) {
          if (progressed) {
            // It took some: a destination catching up, not one refusing since long ago.
            refusingSince = undefined;
            retryMs = RETRY_AFTER_PROGRESS_MS;
          }
          refusingSince ??= Date.now();
          lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          // A full pipe is usually a reader catching up: reported once it lasts.
          if (lastError !== 'EAGAIN' || Date.now() - refusingSince >= EAGAIN_REPORT_MS) report(err as Error);
          const lineStart = off === 0 ? 0 : chunk.lastIndexOf(10, off - 1) + 1;
          if (pathProblem?.deleted && lineStart > 0) {
            // The whole records it took went into the deleted file: lost.
            losses.wentToDeletedFile(countRecords(chunk.subarray(0, lineStart)), lineStart);
          }
          partial = off - lineStart;
          backlog.dropFirstBytes(lineStart);
          keep();
          return false;
        }
      }
      if (pathProblem?.deleted) {
        // Written into the deleted file: lost.
        losses.wentToDeletedFile(countRecords(chunk), chunk.length);
      }
      backlog.shift();
      partial = 0;
    }
    lastErrorCode = undefined;
    refusingSince = undefined;
    retryMs = RETRY_MS;
    return true;
  }

  /** After a refused write: drop the oldest records past the cap, and schedule the retry. */
  function keep(): void {
    if (backlog.length > maxBacklog) {
      // The oldest records go; one the file holds half of must not stay half there.
      endPartialLine();
      if (backlog.length > maxBacklog) {
        // Cut at a line start so the file never gets half a record.
        const dropped = backlog.dropOldest(maxBacklog);
        losses.dropped(dropped.records);
        opts.onError?.(new Error(`audit log destination refuses writes: dropped ${dropped.bytes} bytes of the oldest records (${dropped.records} records)`));
      }
    }
    if (backlog.length > 0 && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        // A file deleted while it refused (a full disk the operator made room on) is reopened
        // before the held records are written, not after they went into the deleted file.
        if (openFileDeleted(fd, file)) checkPath(file as string);
        drain();
      }, retryMs);
      retry.unref();
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  }

  /**
   * The file took only part of the backlog's first record: cut that part off again (the whole
   * record stays in the backlog). Where that is impossible (stdout, a pipe) the record is given
   * up and a newline queued before anything newer, so a reader skips one broken line instead of
   * finding two records run together.
   */
  function endPartialLine(): void {
    if (partial === 0) return;
    const inFile = partial;
    partial = 0;
    try {
      if (file === undefined) throw new Error('stdout cannot be truncated');
      ftruncateSync(fd, fstatSync(fd).size - inFile);
    } catch {
      const first = backlog.first() ?? EMPTY;
      const end = first.indexOf(10);
      backlog.dropFirstBytes(end < 0 ? first.length : end + 1);
      backlog.unshift(NEWLINE);
      // Only its newline was missing: the queued newline ends it whole.
      if (end !== inFile) {
        losses.leftBroken();
      }
    }
  }

  function flush(timeoutMs = 5000): Promise<void> {
    if (drain()) return Promise.resolve();
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      // Referenced timers (bounded by the deadline): at shutdown the listeners are closed, and
      // with nothing else keeping the process alive it would exit before the loss is reported.
      const poll = () => {
        if (drain() || Date.now() >= deadline) resolve();
        else setTimeout(poll, RETRY_MS);
      };
      setTimeout(poll, RETRY_MS);
    });
  }

  /** Reopen when `file` no longer names the open file (deleted, or moved without a SIGUSR1). */
  function checkPath(file: string): void {
    if (closed) return;
    const { why, deleted } = pathChange(fd, file);
    if (why === undefined) return;
    const error = reopenFile(file);
    if (error === undefined) {
      opts.onReopened?.(why);
      return;
    }
    // Reported once per error, apart from write failures (a write to the old file succeeding
    // must not make the same open error be reported again every second).
    if (pathProblem?.error !== error) opts.onError?.(new Error(`audit file ${file}: ${why}, and it cannot be opened again (${error}): records go to the old file${deleted ? ', which is deleted: they are lost' : ''}`));
    pathProblem = { since: pathProblem?.since ?? Date.now(), error, deleted };
  }
  const pathTimer = file === undefined ? undefined : setInterval(checkPath, opts.pathCheckMs ?? 1000, file);
  pathTimer?.unref();

  /** Write what is pending to the old file, then switch to a new open of `file`. The error's code when it cannot be opened. */
  function reopenFile(file: string): string | undefined {
    // Everything written before the reopen belongs to the old file; a record the old file took
    // only half of is cut off there and written whole to the new one. A deleted old file gets
    // nothing more: what it took would be lost, uncounted (records held for a full disk went
    // there when the operator deleted the file to make room).
    if (!openFileDeleted(fd, file)) drain();
    let next: number;
    try {
      next = openAppend(file);
    } catch (err) {
      // Keep writing to the old file rather than lose records.
      return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
    endPartialLine();
    const old = fd;
    fd = next;
    partial = 0;
    pathProblem = undefined;
    try {
      closeSync(old);
    } catch {
      // Already gone; nothing to lose.
    }
    return undefined;
  }

  return {
    ready: Promise.resolve(),
    write(record) {
      if (closed) return;
      try {
        pending.push(auditLine(record));
        // While the destination refuses, records wait for the retry: no attempt (and no copy
        // of the backlog) per turn. Otherwise one write per event-loop turn, after its I/O.
        if (!retry) scheduled ??= setImmediate(drain);
      } catch (err) {
        opts.onError?.(err as Error);
      }
    },
    reopen() {
      if (closed || file === undefined) return;
      const error = reopenFile(file);
      if (error !== undefined) opts.onError?.(new Error(`audit file ${file}: cannot reopen (${error}); records go on to the old file`));
    },
    flush,
    health() {
      const backlogBytes = backlog.length - partial;
      if (pathProblem && (refusingSince === undefined || pathProblem.since < refusingSince)) {
        return { backlogBytes, refusingSince: pathProblem.since, error: `cannot reopen the audit file: ${pathProblem.error}`, lostRecords: losses.lostRecords };
      }
      return { backlogBytes, refusingSince, error: refusingSince === undefined ? undefined : lastError, lostRecords: losses.lostRecords };
    },
    async close() {
      if (closed) return { records: 0, bytes: 0 };
      await flush(opts.closeTimeoutMs);
      closed = true;
      if (pathTimer) clearInterval(pathTimer);
      endPartialLine();
      // One last attempt, also for the newline that ends a broken record; a record it wrote
      // only part of is cut back again (or ended), so the next start does not append to it.
      if (backlog.length > 0) drain();
      endPartialLine();
      if (retry) clearTimeout(retry);
      if (scheduled) clearImmediate(scheduled);
      const lost = unwrittenRecords(backlog.all(), pending, losses.brokenRecords);
      // Broken records are in `lostRecords` already.
      losses.unwrittenAtClose(lost);
      backlog.clear();
      pending = [];
      if (lost.records > 0) {
        opts.onError?.(new Error(`audit log closed with ${lost.records} records (${lost.bytes} bytes) unwritten: the destination refused them; they are lost`));
      }
      if (losses.deletedFile.records > 0) {
        opts.onError?.(new Error(`audit log closed: ${losses.deletedFile.records} records (${losses.deletedFile.bytes} bytes) went to the deleted audit file, which could not be reopened; they are lost`));
        lost.records += losses.deletedFile.records;
        lost.bytes += losses.deletedFile.bytes;
      }
      // stdout is the process's; only a file destination is ours to close.
      if (file !== undefined) closeSync(fd);
      return lost;
    },
  };
}
