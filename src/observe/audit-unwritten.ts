/** What an audit log never wrote when it closes, counted in records and bytes. */
import type { AuditLoss } from './audit-log-types.js';

/**
 * Records and bytes never written: the backlog `chunks` (newline-ended records), this turn's
 * `pending` records and the `brokenRecords` left as broken lines.
 */
export function unwrittenRecords(chunks: Iterable<Buffer>, pending: readonly string[], brokenRecords: number): AuditLoss {
  let records = brokenRecords;
  let bytes = 0;
  for (const b of chunks) {
    for (let start = 0; start < b.length; ) {
      const end = b.indexOf(10, start);
      const stop = end < 0 ? b.length : end + 1;
      // An empty line is the newline queued to end a broken record, not a record.
      if (stop - start > 1) {
        records += 1;
        bytes += stop - start;
      }
      start = stop;
    }
  }
  for (const line of pending) {
    bytes += Buffer.byteLength(line);
    records += 1;
  }
  return { records, bytes };
}
