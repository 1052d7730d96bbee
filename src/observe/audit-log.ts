/**
 * The audit log: one JSON line per decision, to stdout or to a file that is reopened on SIGUSR1
 * (logrotate's `postrotate kill -USR1`).
 *
 * Records written during one turn of the event loop are joined and written with one
 * synchronous `write(2)` at the end of the turn (setImmediate), on the event-loop thread. A
 * page-cache write costs a few microseconds; the asynchronous alternative (a libuv threadpool
 * job per write) woke a second thread and the loop again for every request, which was the
 * largest single cost of a proxied request (docs/benchmarks.md). Like Node's own stdout on
 * Linux, a destination that blocks (a full pipe) holds the gateway until it drains: audit
 * records are not dropped to keep traffic moving.
 *
 * Nothing is lost on the way: a failed or partial write keeps the unwritten bytes and retries;
 * a reopen writes everything pending to the old file first; `close` and `flush` drain.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditRecord } from './audit-record.js';
import { escapeJsonLine } from './escape.js';

/** Where audit records go. */
export interface AuditLog {
  /** Settles once the destination is open; rejects when the file cannot be opened (fail at boot). */
  ready: Promise<void>;
  /** Append one record (cheap; never throws). */
  write(record: AuditRecord): void;
  /** Reopen the file (after logrotate moved it). No-op on stdout. */
  reopen(): void;
  /** Resolve once every record written so far reached the file descriptor (or after `timeoutMs`). */
  flush(timeoutMs?: number): Promise<void>;
  /** Flush and close; later writes are dropped. */
  close(): Promise<void>;
}

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** File to append to (parent directories are created); undefined means stdout. */
  file?: string;
  /** Called when the destination reports an error (disk full, permissions). */
  onError?: (err: Error) => void;
  /**
   * Most unwritten bytes kept while the destination refuses writes (default 64 MiB); beyond
   * that the oldest are dropped and reported, rather than the gateway running out of memory.
   */
  maxBacklogBytes?: number;
}

/** Delay before retrying a destination that refused a write (EAGAIN, ENOSPC, EIO). */
const RETRY_MS = 100;

/** An audit log whose file could not be opened: `ready` rejects, writes go nowhere. */
function unopened(err: Error): AuditLog {
  const ready = Promise.reject(err);
  ready.catch(() => {});
  return { ready, write() {}, reopen() {}, flush: async () => {}, close: async () => {} };
}

function openAppend(file: string): number {
  mkdirSync(dirname(file), { recursive: true });
  // Created 0600: the log names people.
  return openSync(file, 'a', 0o600);
}

/** The JSON line of one record: `type` first, risky characters escaped, newline-terminated. */
export function auditLine(record: AuditRecord): string {
  return escapeJsonLine(`{"type":"decision",${JSON.stringify(record).slice(1)}\n`);
}

/** Open the audit log. A file that cannot be opened makes `ready` reject (the gateway refuses to start). */
export function createAuditLog(opts: AuditLogOptions = {}): AuditLog {
  const file = opts.file;
  const maxBacklog = opts.maxBacklogBytes ?? 64 * 1024 * 1024;
  let fd: number;
  try {
    fd = file === undefined ? 1 : openAppend(file);
  } catch (err) {
    opts.onError?.(err as Error);
    return unopened(err as Error);
  }
  /** Lines written since the last drain. */
  let pending: string[] = [];
  /** Bytes a write refused, written before anything newer. */
  let backlog: Buffer | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let lastErrorCode: string | undefined;

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
    let buf: Buffer | undefined = pending.length === 0 ? undefined : Buffer.from(pending.length === 1 ? (pending[0] as string) : pending.join(''), 'utf8');
    pending = [];
    if (backlog) buf = buf ? Buffer.concat([backlog, buf]) : backlog;
    backlog = undefined;
    if (!buf) return true;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(fd, buf, off, buf.length - off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN') report(err as Error);
        keep(buf.subarray(off));
        return false;
      }
    }
    lastErrorCode = undefined;
    return true;
  }

  function keep(rest: Buffer): void {
    let kept = rest;
    if (kept.length > maxBacklog) {
      const dropped = kept.length - maxBacklog;
      // Cut at a line start so the file never gets half a record.
      const cut = kept.indexOf(10, dropped);
      kept = cut < 0 ? Buffer.alloc(0) : kept.subarray(cut + 1);
      opts.onError?.(new Error(`audit log destination refuses writes: dropped ${rest.length - kept.length} bytes of the oldest records`));
    }
    backlog = kept.length > 0 ? Buffer.from(kept) : undefined;
    if (backlog && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        drain();
      }, RETRY_MS);
      retry.unref();
    }
  }

  function flush(timeoutMs = 5000): Promise<void> {
    if (drain()) return Promise.resolve();
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      const poll = () => {
        if (drain() || Date.now() >= deadline) resolve();
        else setTimeout(poll, RETRY_MS).unref();
      };
      setTimeout(poll, RETRY_MS).unref();
    });
  }

  return {
    ready: Promise.resolve(),
    write(record) {
      if (closed) return;
      try {
        pending.push(auditLine(record));
        // One write per event-loop turn, after this turn's I/O callbacks.
        scheduled ??= setImmediate(drain);
      } catch (err) {
        opts.onError?.(err as Error);
      }
    },
    reopen() {
      if (closed || file === undefined) return;
      // Everything written before the reopen belongs to the old file.
      drain();
      let next: number;
      try {
        next = openAppend(file);
      } catch (err) {
        // Keep writing to the old file rather than lose records.
        opts.onError?.(err as Error);
        return;
      }
      const old = fd;
      fd = next;
      try {
        closeSync(old);
      } catch {
        // Already gone; nothing to lose.
      }
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      if (retry) clearTimeout(retry);
      // stdout is the process's; only a file destination is ours to close.
      if (file !== undefined) closeSync(fd);
    },
  };
}
