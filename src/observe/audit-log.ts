/**
 * The audit log: one JSON line per decision, written by pino to stdout or to a file that is
 * reopened on SIGUSR1 (logrotate's `postrotate kill -USR1`). Writes are asynchronous (sonic-boom
 * buffers); a reopen keeps the buffer, so records written around a rotation land in the old or
 * the new file, never nowhere.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
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
}

type Destination = ReturnType<typeof pino.destination>;

/** An audit log whose file could not be opened: `ready` rejects, writes go nowhere. */
function unopened(err: Error): AuditLog {
  const ready = Promise.reject(err);
  ready.catch(() => {});
  return { ready, write() {}, reopen() {}, flush: async () => {}, close: async () => {} };
}

/**
 * Open the audit log. The file (if any) is created with mode 0600 since it names people.
 * The file is opened once synchronously first, so a bad path fails before any asynchronous
 * stream exists (a sonic-boom that never opened makes pino's exit hook throw).
 */
export function createAuditLog(opts: AuditLogOptions = {}): AuditLog {
  if (opts.file !== undefined) {
    try {
      mkdirSync(dirname(opts.file), { recursive: true });
      closeSync(openSync(opts.file, 'a', 0o600));
    } catch (err) {
      opts.onError?.(err as Error);
      return unopened(err as Error);
    }
  }
  const dest: Destination = pino.destination({
    dest: opts.file ?? 1,
    sync: false,
    mkdir: opts.file !== undefined,
    mode: 0o600,
  });
  let opened = false;
  let closed = false;
  const ready = new Promise<void>((resolve, reject) => {
    dest.once('ready', () => {
      opened = true;
      resolve();
    });
    dest.once('error', (err: Error) => {
      if (opened) return;
      // Never opened (the file vanished since the probe): stop using the stream.
      closed = true;
      dest.destroy();
      reject(err);
    });
  });
  // The caller may never await `ready`; keep an open failure from becoming an unhandled rejection.
  ready.catch(() => {});
  // pino re-emits destination errors once more; report each error object once.
  let lastError: Error | undefined;
  dest.on('error', (err: Error) => {
    if (err === lastError) return;
    lastError = err;
    opts.onError?.(err);
  });
  // sonic-boom's flush(cb) answers at once when it does not batch (minLength 0), so count
  // the bytes handed to it and the bytes it reports written ('write' events) instead.
  let pendingBytes = 0;
  dest.on('write', (n: number) => {
    pendingBytes -= n;
  });
  const toDest = (line: string): string => {
    const escaped = escapeJsonLine(line);
    pendingBytes += Buffer.byteLength(escaped);
    return escaped;
  };
  const logger: Logger = pino(
    {
      // The record carries its own `time` (request start); pino adds no pid, host or level.
      // pino always writes the level object first, so it carries the record type instead.
      base: null,
      timestamp: false,
      formatters: { level: () => ({ type: 'decision' }) },
      hooks: { streamWrite: toDest },
    },
    dest,
  );

  function flush(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve) => {
      if (pendingBytes <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        dest.off('write', check);
        resolve();
      };
      const check = () => {
        if (pendingBytes <= 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      dest.on('write', check);
    });
  }

  return {
    ready,
    write(record) {
      if (closed) return;
      try {
        logger.info(record);
      } catch (err) {
        opts.onError?.(err as Error);
      }
    },
    reopen() {
      if (closed || opts.file === undefined) return;
      try {
        dest.reopen();
      } catch (err) {
        opts.onError?.(err as Error);
      }
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      // stdout is the process's; only a file destination is ours to close.
      if (opts.file === undefined) return;
      await new Promise<void>((resolve) => {
        dest.once('close', () => resolve());
        dest.end();
      });
    },
  };
}
