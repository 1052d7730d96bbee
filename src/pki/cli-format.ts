/** Text rendering for `certs` output: the list table and certificate summaries. */
import { escapeHidden } from '../core/hidden-characters.js';
import type { ListedCert } from './list-certs.js';

/** Renders rows as left-aligned columns separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * The first 16 hex digits of a fingerprint, lowercase without separators: enough to recognise
 * it, and a prefix of the audit log's `identity.fingerprint` (and the `tls-handshake-failed`
 * line's `certificate.fingerprint`), so grep finds one in the other.
 */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase().slice(0, 16);
}

/**
 * The `certs list` table. Names and groups have their hidden characters (hidden-characters.ts)
 * written `\uXXXX`: a client named `\u202Eecila` before `certs issue` refused such names (or
 * by another tool) shows as that, not as "alice".
 */
export function certTable(certs: readonly ListedCert[]): string {
  return table(
    ['NAME', 'KIND', 'GROUPS', 'SERIAL', 'FINGERPRINT', 'NOT AFTER', 'STATUS'],
    certs.map((c) => [
      escapeHidden(c.name),
      c.kind,
      escapeHidden(c.groups.join(',')) || '-',
      c.serial,
      shortFingerprint(c.fingerprint),
      c.notAfter.replace(/\.\d{3}Z$/, 'Z'),
      c.revoked ? `revoked (${c.revoked.reason})` : c.status,
    ]),
  );
}
