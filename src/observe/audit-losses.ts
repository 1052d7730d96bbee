/**
 * The audit records an audit log has lost, counted as they are lost (`health().lostRecords`):
 * `close` reports the losses once, but a gateway that runs on needs them in a metric.
 */
import type { AuditLoss } from './audit-log-types.js';

/** Every record lost so far, and the kinds `close` reports apart. */
export class AuditLosses {
  /** Every record lost so far (dropped past the cap, left broken, written into a deleted file, unwritten at close). */
  lostRecords = 0;
  /** Records left as a broken line in the destination (it could not be cut back): lost. */
  brokenRecords = 0;
  /** Records (and bytes) written into a deleted file while it could not be reopened: lost. */
  readonly deletedFile: AuditLoss = { records: 0, bytes: 0 };

  /** `records` whole records (`bytes`) went into the deleted file. */
  wentToDeletedFile(records: number, bytes: number): void {
    this.deletedFile.records += records;
    this.deletedFile.bytes += bytes;
    this.lostRecords += records;
  }

  /** One record was left as a broken line. */
  leftBroken(): void {
    this.brokenRecords += 1;
    this.lostRecords += 1;
  }

  /** `records` of the oldest records were dropped past the backlog cap. */
  dropped(records: number): void {
    this.lostRecords += records;
  }

  /** At close: `unwritten` (brokenRecords included, which are counted already) were never written. */
  unwrittenAtClose(unwritten: AuditLoss): void {
    this.lostRecords += unwritten.records - this.brokenRecords;
  }
}
