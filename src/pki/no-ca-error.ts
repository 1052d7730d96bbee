/**
 * The error of a command that needs a CA in a directory that has none (PKI_NO_CA), with advice
 * that holds there: `certs init` only where it would not refuse, i.e. where none of the files
 * it writes exists yet.
 */
import { basename } from 'node:path';
import { commandName } from '../core/command-name.js';
import { PkiError } from './errors.js';
import { exists } from './files.js';
import type { PkiPaths } from './paths.js';
import { initFiles } from './replaced-ca.js';

/**
 * PKI_NO_CA for `paths.dir`, naming the `missing` file. Where other files of a CA directory
 * remain (an `index.json`, a `crl.pem`, ...), `certs init` would refuse: the advice is then to
 * restore the missing file, or to start a new CA with `init --force`, which keeps those files.
 */
export async function noCaError(paths: PkiPaths, missing: string): Promise<PkiError> {
  const left: string[] = [];
  for (const file of initFiles(paths)) if (file !== missing && (await exists(file))) left.push(basename(file));
  if (left.length === 0) return new PkiError('PKI_NO_CA', `no CA in ${paths.dir} (missing ${missing}); run "${commandName()} certs init --dir ${paths.dir}" first`);
  return new PkiError(
    'PKI_NO_CA',
    `no CA in ${paths.dir} (missing ${missing}, though it holds ${left.join(', ')}): restore ${basename(missing)} from a backup, or start a new CA with "${commandName()} certs init --dir ${paths.dir} --force", which keeps those files in ${paths.dir}/replaced-<time>/ ("certs init" without --force refuses while they exist)`,
  );
}
