/**
 * The operational log (stderr, JSON lines): events that are not decisions, such as rejected
 * TLS handshakes, audit-log write errors and reloads. Decisions go to the audit log only.
 */
import pino from 'pino';
import { escapeJsonLine } from './escape.js';
import { createLogSink } from './log-sink.js';

/** The slice of a pino logger the observe stage uses, so tests can pass a recorder. */
export interface OperationalLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The gateway's operational log, with what its sink dropped. */
export interface GatewayLog extends OperationalLog {
  /** Lines the sink has dropped since start (log-sink.ts): `dockgate_log_lines_dropped_total` reads it. */
  linesDropped(): number;
}

/**
 * A pino logger writing JSON lines to `fd` (stderr by default), with risky characters escaped,
 * through a sink that never blocks on a reader that stopped reading and lets the process exit
 * (log-sink.ts).
 */
export function createOperationalLog(opts: { fd?: number; level?: string } = {}): GatewayLog {
  // Node opens a pipe or socket on stderr non-blocking when process.stderr is first used: so a
  // full pipe refuses (EAGAIN) instead of blocking the event loop in the sink's writes.
  if ((opts.fd ?? 2) === 2) void process.stderr;
  const sink = createLogSink({ fd: opts.fd ?? 2 });
  const logger = pino(
    {
      level: opts.level ?? 'info',
      base: { component: 'dockgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: escapeJsonLine },
    },
    sink,
  );
  return Object.assign(logger, { linesDropped: () => sink.droppedTotal() });
}
