/**
 * The operational log (stderr, JSON lines): events that are not decisions, such as rejected
 * TLS handshakes, audit-log write errors and reloads. Decisions go to the audit log only.
 */
import pino from 'pino';
import { escapeJsonLine } from './escape.js';

/** The slice of a pino logger the observe stage uses, so tests can pass a recorder. */
export interface OperationalLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A pino logger writing JSON lines to `fd` (stderr by default), with risky characters escaped. */
export function createOperationalLog(opts: { fd?: number; level?: string } = {}): OperationalLog {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { component: 'dockgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: escapeJsonLine },
    },
    pino.destination({ dest: opts.fd ?? 2, sync: false }),
  );
}
