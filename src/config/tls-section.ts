/** The gateway's `tls:` block, with the defaults in ./certs and the CRL a dockgate CA directory requires. */
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandName } from '../core/command-name.js';
import { DEFAULT_TLS_FILES, defaultTlsFileProblem } from './default-tls.js';
import { DEFAULTS } from './defaults.js';
import { readFilePath } from './field-readers.js';
import { TLS_KEYS } from './keys.js';
import type { TlsConfig } from './types.js';
import { unreadableReason } from './unreadable.js';
import { isRecord, type ProblemList } from './validate.js';

/**
 * The `tls:` block: ca, cert and key (each defaults to ./certs, with the command that writes a
 * missing one), crl and partialChain. `relativeTo` names `base` in messages about a default file
 * (`the config file`).
 */
export function readTls(problems: ProblemList, base: string, raw: unknown, relativeTo: string): TlsConfig {
  const tls = isRecord(raw) ? raw : {};
  if (raw !== undefined && !isRecord(raw)) problems.add('tls', 'must be a mapping with ca, cert and key');
  problems.unknownKeys('tls', tls, TLS_KEYS);
  if (tls.partialChain !== undefined && typeof tls.partialChain !== 'boolean') problems.add('tls.partialChain', 'must be true or false');
  const file = (name: 'ca' | 'cert' | 'key'): string => {
    if (tls[name] !== undefined) return readFilePath(problems, base, `tls.${name}`, tls[name]) ?? '';
    const certDir = resolve(base, DEFAULTS.certDir);
    const problem = defaultTlsFileProblem(certDir, name, relativeTo, (hint, again) => problems.once(hint, again));
    if (problem) problems.add(`tls.${name}`, problem);
    return join(certDir, DEFAULT_TLS_FILES[name]);
  };
  return {
    ca: file('ca'),
    cert: file('cert'),
    key: file('key'),
    crl: tls.crl === undefined ? defaultCrl(problems, raw, base) : readFilePath(problems, base, 'tls.crl', tls.crl),
    partialChain: tls.partialChain === true,
  };
}

/**
 * With no `tls:` block (the embedded default), use ./certs/crl.pem. In a dockgate CA directory
 * (index.json beside ca.pem: `certs init` wrote it, and `certs revoke` writes its revocations
 * into crl.pem) the file is required: without it every revoked certificate would be accepted,
 * with no sign of it. Elsewhere (a foreign CA's files in ./certs) it is used when it exists.
 * A config that means to run without a CRL says so with a `tls:` block that has no `crl`.
 */
function defaultCrl(problems: ProblemList, raw: unknown, base: string): string | undefined {
  if (raw !== undefined) return undefined;
  const dir = resolve(base, DEFAULTS.certDir);
  const file = join(dir, 'crl.pem');
  try {
    accessSync(file, constants.R_OK);
    return file;
  } catch (err) {
    if (!existsSync(join(dir, 'index.json'))) return undefined;
    const code = (err as NodeJS.ErrnoException).code;
    problems.add(
      'tls.crl',
      `${file}: ${unreadableReason(file, code)}: ${dir} is a dockgate CA directory (index.json), whose revocations are in crl.pem, ` +
        `and without it every revoked certificate would be accepted; write it with "${commandName()} certs crl --dir ${dir}" (or make it readable), ` +
        'or, to run without revocation checks, give a tls: block without crl',
    );
    return undefined;
  }
}
