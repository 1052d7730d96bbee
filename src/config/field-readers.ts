/**
 * Readers of one config value each (a string, an address, a readable file, a mapping): each
 * reports what is wrong to the ProblemList under the key's path and returns a usable value.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { parseListen } from './address.js';
import { namedTlsFileHint } from './default-tls.js';
import { unreadableReason } from './unreadable.js';
import type { ListenAddress } from './types.js';
import { isRecord, type ProblemList } from './validate.js';

function checkReadable(problems: ProblemList, path: string, file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // tls.ca, admin.tls.key, ...: a missing file certs init would write there gets its command.
    const tlsKey = /^(?:admin\.)?tls\.(\w+)$/.exec(path)?.[1];
    const hint = code === 'ENOENT' && tlsKey !== undefined ? namedTlsFileHint(file, tlsKey, (hint, again) => problems.once(hint, again)) : undefined;
    problems.add(path, `${file}: ${unreadableReason(file, code)}${hint === undefined ? '' : `: ${hint}`}`);
  }
}

/** A non-empty string at `path`; undefined when left out (or reported when it is not one). */
export function readString(problems: ProblemList, path: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    problems.add(path, `must be a non-empty string, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

/** A `host:port` address at `path`, `fallback` when left out; a placeholder (port 0) after a reported problem. */
export function readListen(problems: ProblemList, path: string, value: unknown, fallback: string): ListenAddress {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    // `listen: 2376`, a port alone: YAML reads a number (rev-newuser F6).
    problems.add(path, `must be host:port, got ${typeof value === 'number' ? 'the number ' : 'the port '}${value} alone (write "0.0.0.0:${value}" for every interface, "127.0.0.1:${value}" for this host only)`);
    return { host: '0.0.0.0', port: 0 };
  }
  const text = readString(problems, path, value) ?? fallback;
  const parsed = parseListen(text);
  if (!parsed.ok) {
    problems.add(path, parsed.message);
    return { host: '0.0.0.0', port: 0 };
  }
  return parsed.value;
}

/** A file named at `path`: resolved against `base`, and reported unless readable. */
export function readFilePath(problems: ProblemList, base: string, path: string, value: unknown): string | undefined {
  const text = readString(problems, path, value);
  if (text === undefined) return undefined;
  const file = resolve(base, text);
  checkReadable(problems, path, file);
  return file;
}

/** The mapping at `key` (empty when left out or reported as no mapping); unknown keys reported. */
export function readMapping(problems: ProblemList, key: string, raw: unknown, known: readonly string[]): Record<string, unknown> {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    problems.add(key, `must be a mapping with keys: ${known.join(', ')}`);
    return {};
  }
  problems.unknownKeys(key, raw, known);
  return raw;
}
