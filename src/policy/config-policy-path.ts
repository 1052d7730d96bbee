/**
 * The `policy:` of a gateway config file, for `dockgate policy check|explain --config FILE`.
 * Deliberately minimal (the full config loader validates TLS files and more, which policy
 * commands do not need): it reads the YAML, refuses what `serve` would refuse about the file's
 * top-level shape (no document, not a mapping, an unknown key such as a misspelt `polciy:`,
 * which would otherwise read as "no policy" and check the built-in default), takes `policy:`
 * and resolves it against the config file's directory, as the config loader does.
 */
import { dirname, resolve } from 'node:path';
import { parseConfigText } from '../config/config-text.js';
import { topLevelProblems } from '../config/top-level.js';
import { readFailure } from '../config/unreadable.js';
import { ConfigError } from '../config/validate.js';
import { readYamlFile } from '../config/yaml-file.js';
import { PolicyError } from './errors.js';

/**
 * Absolute policy path named by the config file, or undefined when the file has no `policy:`
 * key (serve would use the built-in default). Throws PolicyError for an unreadable file or a
 * bad `policy:` value, ConfigError (serve's own problems and wording) for a shape serve refuses.
 */
export function policyPathFromConfig(configFile: string): string | undefined {
  let text: string;
  try {
    text = readYamlFile(configFile);
  } catch (err) {
    throw new PolicyError([{ path: '', message: `cannot read config file: ${readFailure(configFile, err)}` }], configFile);
  }
  const abs = resolve(configFile);
  // Serve's own YAML pass: the same problems (duplicate keys, keys that are no string), worded alike.
  const raw = parseConfigText(text, abs);
  const problems = topLevelProblems(raw, abs);
  if (problems.length > 0) throw new ConfigError(abs, problems);
  const policy = (raw as Record<string, unknown>).policy;
  if (policy === undefined) return undefined;
  // `policy:` with no value is null: serve refuses it as not a file path, so does the check.
  if (typeof policy !== 'string' || policy === '') throw new PolicyError([{ path: 'policy', message: 'must be a file path' }], configFile);
  return resolve(dirname(abs), policy);
}
