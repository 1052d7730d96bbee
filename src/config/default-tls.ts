/**
 * The TLS files a config reads when it leaves `tls.ca`, `tls.cert` or `tls.key` out: those
 * `dockgate certs init` writes into `certs/`, relative to the config file's directory. A missing
 * one is named as that default, with how to create it (rev-docs F8): a bare "no such file" for
 * a path the user never wrote left them guessing.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { commandName } from '../core/command-name.js';
import { unreadableReason } from './unreadable.js';

/** File names in the certificate directory, per `tls` key. */
export const DEFAULT_TLS_FILES = { ca: 'ca.pem', cert: 'server-cert.pem', key: 'server-key.pem' } as const;

/** A `tls` key with a default file. */
export type DefaultTlsKey = keyof typeof DEFAULT_TLS_FILES;

// The files `certs init` writes (pki/replaced-ca.ts initFiles): with any of them present it refuses.
const INIT_FILES = ['ca.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem', 'crl.pem', 'index.json'];

/**
 * What a message says of a hint: the hint, or, when an earlier problem of the same run already
 * gave it, `again` (ProblemList.once). Each file one `certs init` writes repeated the same command.
 */
export type HintOnce = (hint: string, again: string) => string;

/** How to create the files `certs init` writes into `dir`: the command the first time, a reference to it after. */
function certsInitHint(dir: string, hints: HintOnce): string {
  return hints(`create it with "${commandName()} certs init --dir ${dir}"`, 'the certs init command above creates it too');
}

/**
 * Why the default file of `key` in `certDir` cannot be read, or undefined when it can. `base`
 * says what `certDir` is relative to, for the message (`the config file`).
 */
export function defaultTlsFileProblem(certDir: string, key: DefaultTlsKey, base: string, hints: HintOnce = (hint) => hint): string | undefined {
  const file = join(certDir, DEFAULT_TLS_FILES[key]);
  try {
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return `${file}: ${unreadableReason(file, code)}`;
  }
  const what = `${file}: no such file; tls.${key} is left out, and this is its default (certs/${DEFAULT_TLS_FILES[key]}, relative to ${base})`;
  const fresh = !INIT_FILES.some((name) => existsSync(resolve(certDir, name)));
  return fresh ? `${what}: ${certsInitHint(certDir, hints)}, or set tls.${key}` : `${what}: set tls.${key} to where the file is`;
}

/** The file `certs init` writes for each `tls` (or `admin.tls`) key, crl included. */
const INIT_NAME: Readonly<Record<string, string>> = { ...DEFAULT_TLS_FILES, crl: 'crl.pem' };

/**
 * For a TLS file the config names explicitly and that does not exist (rev-newuser F7): how to
 * create it, when `certs init` would write exactly that file there (the name `init` gives it, in
 * a directory holding none of `init`'s files, where it would not refuse). Else undefined.
 */
export function namedTlsFileHint(file: string, key: string, hints: HintOnce = (hint) => hint): string | undefined {
  if (INIT_NAME[key] === undefined || basename(file) !== INIT_NAME[key]) return undefined;
  const dir = dirname(file);
  if (INIT_FILES.some((name) => existsSync(join(dir, name)))) return undefined;
  return certsInitHint(dir, hints);
}
