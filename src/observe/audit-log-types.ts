/**
 * What the audit log is to the rest of the gateway (audit-log.ts creates it): the AuditLog
 * interface, its health and losses, and the options it is created with.
 */
import type { AuditRecord } from './audit-record.js';

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
  /** Flush and close; later writes are dropped. Resolves with what could not be written. */
  close(): Promise<AuditLoss>;
  /** Whether the destination takes the records now (for readiness and metrics). */
  health(): AuditHealth;
}

/** The audit destination's state. */
export interface AuditHealth {
  /** Bytes of records waiting for a destination that refused them (0 when all is written). */
  backlogBytes: number;
  /** Since when (ms since the epoch) the destination has refused writes; undefined while it takes them. */
  refusingSince?: number;
  /** The error of the last refused write. */
  error?: string;
  /**
   * Records lost so far (cumulative, never decreases): the oldest dropped once the backlog
   * passed `maxBacklogBytes`, records left as a broken line, records written into a deleted file
   * that could not be reopened, and (after `close`) those it could not write.
   */
  lostRecords: number;
}

/** Records (and their bytes) that never reached the destination. */
export interface AuditLoss {
  records: number;
  bytes: number;
}

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** File to append to (parent directories are created); undefined means stdout. */
  file?: string;
  /**
   * Called when the opened destination reports an error (disk full, permissions). Not for a
   * file that cannot be opened at all: that is `ready`'s rejection, which the caller reports.
   */
  onError?: (err: Error) => void;
  /** Called when the file was reopened because its path no longer named it (deleted, moved). */
  onReopened?: (why: string) => void;
  /** How often the file's path is compared with the open file (default 1000 ms). */
  pathCheckMs?: number;
  /**
   * Most unwritten bytes kept while the destination refuses writes (default 64 MiB); beyond
   * that the oldest are dropped and reported, rather than the gateway running out of memory.
   */
  maxBacklogBytes?: number;
  /** How `close` waits for a refusing destination before giving up (default 5000 ms). */
  closeTimeoutMs?: number;
  /** The write(2) used (default `fs.writeSync`); tests inject a failing one. */
  writeSync?: (fd: number, buf: Buffer, offset: number, length: number) => number;
}
