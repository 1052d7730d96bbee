/** The audit log that stands in for one whose file could not be opened. */
import type { AuditLog } from './audit-log-types.js';

/** An audit log whose file could not be opened: `ready` rejects, writes go nowhere. */
export function unopened(err: Error): AuditLog {
  const ready = Promise.reject(err);
  ready.catch(() => {});
  return { ready, write() {}, reopen() {}, flush: async () => {}, close: async () => ({ records: 0, bytes: 0 }), health: () => ({ backlogBytes: 0, lostRecords: 0 }) };
}
