/**
 * The `policy:` of a gateway config file, for `dockgate policy check|explain --config FILE`.
 * Deliberately minimal (the full config loader validates TLS files and more, which policy
 * commands do not need): it reads the YAML, takes `policy:` and resolves it against the config
 * file's directory, as the config loader does. Undefined means the built-in default policy.
 */
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { readYamlFile } from '../config/yaml-file.js';
import { PolicyError } from './errors.js';

/** Absolute policy path named by the config file, or undefined when it names none. Throws PolicyError. */
export function policyPathFromConfig(configFile: string): string | undefined {
  let raw: unknown;
  try {
    raw = parse(readYamlFile(configFile));
  } catch (err) {
    throw new PolicyError([{ path: '', message: `cannot read config file: ${(err as Error).message}` }], configFile);
  }
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new PolicyError([{ path: '', message: 'config file is not a mapping' }], configFile);
  const policy = (raw as Record<string, unknown>).policy;
  if (policy === undefined || policy === null) return undefined;
  if (typeof policy !== 'string' || policy === '') throw new PolicyError([{ path: 'policy', message: 'must be a file path' }], configFile);
  return resolve(dirname(resolve(configFile)), policy);
}
