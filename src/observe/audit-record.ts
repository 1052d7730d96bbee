/**
 * The audit record schema and the pure function that builds one from a finished request.
 * One record per decision; see docs/observability.md for the field reference.
 */
import type { EndedBy, RequestOutcome, RequestRecord } from '../core/observer.js';
import { truncate } from './escape.js';
import { auditPath } from './audit-path.js';
import { auditUserAgent } from './audit-user-agent.js';
import type { AuditFields } from './audit-value.js';
import { auditFields } from './redact.js';

/** One line of the audit log. Optional fields are omitted when unknown. */
export interface AuditRecord {
  /** Request start, ISO 8601 UTC. */
  time: string;
  requestId: string;
  /** Client address and port. */
  client: string;
  /**
   * The client certificate: CN, OU groups, SHA-256 fingerprint, and serial and issuer (two CAs
   * of tls.ca may each have an "admin"; the serial is revoked together with its issuer).
   */
  identity?: { cn: string; groups: string[]; fingerprint: string; serial: string; issuer: string };
  method: string;
  /** Normalised path (no version prefix, no query), or the raw target's path when unparsed. */
  path: string;
  apiVersion?: string;
  /** Engine API operation name, or `unknown`. */
  operation: string;
  /** Allow-listed fields of the operation (see redact.ts). */
  fields?: AuditFields;
  decision: RequestOutcome;
  rule?: string;
  code?: string;
  /** Version of the policy that decided (the first 12 hex digits of its file's SHA-256). */
  policyVersion?: string;
  reason?: string;
  /** The gateway cut the connection the exchange was open on: `revoked`, `untrusted`, `expired`, `crl-expired`, `shutdown` or `body-idle`. */
  endedBy?: EndedBy;
  /**
   * The exchange's daemon connection failed: `unreachable: <OS error>` (no connection; the client
   * got 502) or `failed: <OS error>` (it broke, before or during the answer), one per error counted
   * in dockgate_upstream_errors_total.
   */
  upstreamError?: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  headersMs?: number;
  stream: boolean;
  userAgent?: string;
}

const ms = (v: number) => Math.round(v * 1000) / 1000;

/** Build the audit record of a finished request. Pure; never copies headers except User-Agent. */
export function toAuditRecord(r: RequestRecord): AuditRecord {
  const facts = r.facts;
  const record: AuditRecord = {
    time: new Date(r.startedAt).toISOString(),
    requestId: truncate(r.requestId, 128),
    client: truncate(r.client, 128),
    method: truncate(r.method, 32),
    path: auditPath(facts, r.rawTarget),
    operation: facts?.operation?.name ?? 'unknown',
    decision: r.outcome,
    status: r.status,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    durationMs: ms(r.durationMs),
    stream: r.stream,
  };
  if (r.identity) {
    record.identity = {
      cn: truncate(r.identity.name, 256),
      groups: r.identity.groups.slice(0, 64).map((g) => truncate(g, 256)),
      fingerprint: r.identity.fingerprint,
      serial: truncate(r.identity.serial, 64),
      issuer: truncate(r.identity.issuer, 256),
    };
  }
  if (facts?.apiVersion !== undefined) record.apiVersion = truncate(facts.apiVersion, 16);
  const fields = facts ? auditFields(facts) : undefined;
  if (fields) record.fields = fields;
  if (r.decision) {
    record.rule = r.decision.rule;
    record.code = r.decision.code;
  }
  if (r.policyVersion !== undefined) record.policyVersion = truncate(r.policyVersion, 64);
  const reason = r.reason ?? r.decision?.reason;
  if (reason !== undefined) record.reason = truncate(reason);
  if (r.endedBy !== undefined) record.endedBy = r.endedBy;
  if (r.upstreamError !== undefined) record.upstreamError = truncate(r.upstreamError, 128);
  if (r.headersMs !== undefined) record.headersMs = ms(r.headersMs);
  const ua = auditUserAgent(r.headers);
  if (ua !== undefined) record.userAgent = ua;
  return record;
}
