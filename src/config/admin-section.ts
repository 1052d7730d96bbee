/** The `admin:` listener's configuration. */
import { DEFAULTS } from './defaults.js';
import { readFilePath, readListen } from './field-readers.js';
import { ADMIN_KEYS, ADMIN_TLS_KEYS } from './keys.js';
import type { AdminConfig } from './types.js';
import { isRecord, type ProblemList } from './validate.js';

/** The `admin:` value: an address, off, or a mapping with listen and tls. */
export function readAdmin(problems: ProblemList, base: string, raw: unknown): AdminConfig {
  if (raw === 'off' || raw === false) return { enabled: false, listen: { host: '127.0.0.1', port: 0 } };
  if (raw === undefined || typeof raw === 'string') {
    const listen = readListen(problems, 'admin', raw, DEFAULTS.admin);
    // `admin: Off` or `disabled` reads as an address; say how to turn the listener off.
    const last = problems.items.at(-1);
    if (typeof raw === 'string' && last?.path === 'admin' && !/\d/.test(raw)) last.message += ' (to turn the admin listener off: off or false)';
    return { enabled: true, listen };
  }
  if (!isRecord(raw)) {
    problems.add('admin', 'must be host:port, off, or a mapping with listen and tls');
    return { enabled: false, listen: { host: '127.0.0.1', port: 0 } };
  }
  problems.unknownKeys('admin', raw, ADMIN_KEYS);
  const admin: AdminConfig = { enabled: true, listen: readListen(problems, 'admin.listen', raw.listen, DEFAULTS.admin) };
  if (raw.tls !== undefined) {
    const tls = isRecord(raw.tls) ? raw.tls : {};
    if (!isRecord(raw.tls)) problems.add('admin.tls', 'must be a mapping with cert, key and optional ca and crl');
    problems.unknownKeys('admin.tls', tls, ADMIN_TLS_KEYS);
    if (tls.crl !== undefined && tls.ca === undefined) problems.add('admin.tls.crl', 'needs admin.tls.ca: without it no client certificate is asked for');
    if (tls.cert === undefined) problems.add('admin.tls.cert', 'is required when admin.tls is set');
    if (tls.key === undefined) problems.add('admin.tls.key', 'is required when admin.tls is set');
    admin.tls = {
      cert: readFilePath(problems, base, 'admin.tls.cert', tls.cert) ?? '',
      key: readFilePath(problems, base, 'admin.tls.key', tls.key) ?? '',
      ca: tls.ca === undefined ? undefined : readFilePath(problems, base, 'admin.tls.ca', tls.ca),
      crl: tls.crl === undefined ? undefined : readFilePath(problems, base, 'admin.tls.crl', tls.crl),
    };
  }
  return admin;
}
