/**
 * The log health metrics, read at each scrape: the audit log's backlog and lost records, and the
 * operational log lines dropped.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditHealth } from './audit-log-types.js';
import { scrapeGrowth } from './scrape-growth.js';

/** Where the log health metrics read; until set, they read nothing lost and no backlog. */
export interface LogHealthMetrics {
  /** Where `dockgate_audit_backlog_bytes` and `dockgate_audit_records_lost_total` read the audit log's state at each scrape. */
  watchAudit(health: () => AuditHealth): void;
  /** Where `dockgate_log_lines_dropped_total` reads, at each scrape, how many operational log lines were dropped so far (logger.ts). */
  watchLogDrops(dropped: () => number): void;
}

/** Register the log health metrics on `registry`. */
export function registerLogHealthMetrics(registry: Registry): LogHealthMetrics {
  const registers = [registry];
  let auditHealth: () => AuditHealth = () => ({ backlogBytes: 0, lostRecords: 0 });
  new Gauge({
    name: 'dockgate_audit_backlog_bytes',
    help: 'Bytes of audit records waiting for a destination that refuses writes (0 when every record is written)',
    registers,
    collect() {
      this.set(auditHealth().backlogBytes);
    },
  });
  /** The counter grows by what was lost since the last scrape. */
  const auditLostGrowth = scrapeGrowth(() => auditHealth().lostRecords);
  new Counter({
    name: 'dockgate_audit_records_lost_total',
    help: 'Audit records lost: the oldest dropped past the backlog cap, records left as a broken line, records written into a deleted audit file that could not be reopened',
    registers,
    collect() {
      auditLostGrowth(this);
    },
  });
  let logDropped: () => number = () => 0;
  /** The counter grows by what was dropped since the last scrape. */
  const logDroppedGrowth = scrapeGrowth(() => logDropped());
  new Counter({
    name: 'dockgate_log_lines_dropped_total',
    help: 'Operational log lines dropped: stderr refused writes and more than the 1 MiB held limit was waiting, or its reader closed its end',
    registers,
    collect() {
      logDroppedGrowth(this);
    },
  });

  return {
    watchAudit(health) {
      auditHealth = health;
    },
    watchLogDrops(dropped) {
      logDropped = dropped;
    },
  };
}
