/**
 * The JSON line of one audit record, written field by field. The result is byte for byte what
 * `JSON.stringify` of the record (with `type` first) followed by `escapeJsonLine` gives; it is
 * built directly because that pair was the largest cost the gateway itself adds to a proxied
 * request (docs/benchmarks.md). Strings of printable ASCII without `"` and `\` (nearly all of
 * them) are copied as they are; any other string goes through `JSON.stringify` and
 * `escapeJsonLine`, so escaping stays theirs.
 */
import type { AuditRecord } from './audit-record.js';
import type { AuditFields, AuditValue } from './audit-value.js';
import { escapeJsonLine } from './escape.js';

/** Strings JSON writes unchanged and `escapeJsonLine` leaves alone: printable ASCII but `"` and `\`. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function str(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : escapeJsonLine(JSON.stringify(s));
}

/** JSON's number: non-finite numbers are `null`, like JSON.stringify writes them. */
function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

function scalar(v: string | number | boolean): string {
  return typeof v === 'string' ? str(v) : typeof v === 'number' ? num(v) : v ? 'true' : 'false';
}

function value(v: AuditValue): string {
  if (!Array.isArray(v)) return scalar(v);
  let out = '[';
  for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + scalar(v[i] as string | number | boolean);
  return out + ']';
}

function fieldsJson(fields: AuditFields): string {
  let out = '';
  for (const name of Object.keys(fields)) {
    const v = fields[name];
    // JSON.stringify leaves out undefined members; redact.ts never sets one, but a record is data.
    if (v === undefined) continue;
    out += `${out === '' ? '' : ','}${str(name)}:${value(v)}`;
  }
  return `{${out}}`;
}

/**
 * The line of one record: `type` first, then the record's fields in the order
 * `toAuditRecord` sets them, newline-terminated. Undefined optional fields are left out.
 */
export function auditLine(r: AuditRecord): string {
  let out =
    `{"type":"decision","time":${str(r.time)},"requestId":${str(r.requestId)},"client":${str(r.client)},` +
    `"method":${str(r.method)},"path":${str(r.path)},"operation":${str(r.operation)},"decision":${str(r.decision)},` +
    `"status":${num(r.status)},"bytesIn":${num(r.bytesIn)},"bytesOut":${num(r.bytesOut)},"durationMs":${num(r.durationMs)},` +
    `"stream":${r.stream ? 'true' : 'false'}`;
  if (r.identity !== undefined) {
    const id = r.identity;
    out += `,"identity":{"cn":${str(id.cn)},"groups":${value(id.groups)},"fingerprint":${str(id.fingerprint)},"serial":${str(id.serial)},"issuer":${str(id.issuer)}}`;
  }
  if (r.apiVersion !== undefined) out += `,"apiVersion":${str(r.apiVersion)}`;
  if (r.fields !== undefined) out += `,"fields":${fieldsJson(r.fields)}`;
  if (r.rule !== undefined) out += `,"rule":${str(r.rule)}`;
  if (r.code !== undefined) out += `,"code":${str(r.code)}`;
  if (r.policyVersion !== undefined) out += `,"policyVersion":${str(r.policyVersion)}`;
  if (r.reason !== undefined) out += `,"reason":${str(r.reason)}`;
  if (r.endedBy !== undefined) out += `,"endedBy":${str(r.endedBy)}`;
  if (r.upstreamError !== undefined) out += `,"upstreamError":${str(r.upstreamError)}`;
  if (r.headersMs !== undefined) out += `,"headersMs":${num(r.headersMs)}`;
  if (r.userAgent !== undefined) out += `,"userAgent":${str(r.userAgent)}`;
  return out + '}\n';
}
