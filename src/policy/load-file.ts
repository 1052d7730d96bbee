/**
 * Reading policy files: the only I/O of the policy stage, kept apart from the pure parser
 * and compiler. Synchronous on purpose: it runs at start-up and on reload, never per request.
 */
import { readFailure } from '../config/unreadable.js';
import { FileTooLargeError, tooLargeMessage } from '../config/regular-file.js';
import { MAX_YAML_FILE_BYTES, readYamlFile, yamlTextOf } from '../config/yaml-file.js';
import { fileURLToPath } from 'node:url';
import { loadPolicy, type CompiledPolicy } from './compile.js';
import { PolicyError } from './errors.js';

/**
 * The built-in default policy file. Resolved relative to this module: `src/policy` under
 * vitest and `dist/policy` after `tsc` are both two levels below the project root, where
 * `config/policies/` lives (and is shipped: package.json `files`).
 */
export const DEFAULT_POLICY_URL = new URL('../../config/policies/default.yaml', import.meta.url);

/**
 * The text of the policy file at `path`. Throws PolicyError saying why it cannot be read, in
 * dockgate's words as the config loader says it (`no such file`, `not readable (EACCES: owner,
 * mode, who dockgate runs as)`), not Node's ENOENT/EACCES text.
 */
export function readPolicyText(path: string): string {
  try {
    return readYamlFile(path);
  } catch (err) {
    throw new PolicyError([{ path: '', message: `cannot read policy file: ${readFailure(path, err)}` }], path);
  }
}

/**
 * The text of the policy file at `path` from what was already read of it (`bytes`, refused as
 * readPolicyText refuses a read: too large, not UTF-8), or the PolicyError of the `error` that
 * read met, worded as readPolicyText words it. The file is not read again.
 */
export function policyTextOf(path: string, read: { readonly bytes: Buffer } | { readonly error: Error }): string {
  try {
    // The watch read with the largest bound of any watched file (64 MiB): the policy's is 4 MiB.
    if ('error' in read) throw read.error instanceof FileTooLargeError ? new Error(tooLargeMessage(path, read.error.size, MAX_YAML_FILE_BYTES)) : read.error;
    return yamlTextOf(path, read.bytes);
  } catch (err) {
    throw new PolicyError([{ path: '', message: `cannot read policy file: ${readFailure(path, err)}` }], path);
  }
}

/** Read, validate and compile a policy file. Throws PolicyError (also for an unreadable file). */
export function loadPolicyFile(path: string): CompiledPolicy {
  return loadPolicy(readPolicyText(path), path);
}

/** The built-in default: CN `admin` may do anything, every other identity reads. */
export function loadDefaultPolicy(): CompiledPolicy {
  const policy = loadPolicyFile(fileURLToPath(DEFAULT_POLICY_URL));
  return Object.freeze({ ...policy, source: 'built-in default' });
}
