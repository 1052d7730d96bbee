/**
 * The config file is read at start only: SIGHUP reloads the policy and the TLS material, not
 * `listen`, `limits`, `policy:` (which file), `tls.*` paths or `admin`. An operator who edits
 * the config and runs `systemctl reload` saw `policy loaded` and took the change to be in force
 * (rev-config F5). On SIGHUP the file is read again and, when it differs from the one read at
 * start, a warning says the change is not applied.
 */
import { textDigest } from '../core/text-digest.js';
import type { GatewayConfig } from '../config/types.js';
import { readYamlFile } from '../config/yaml-file.js';

/** The warning for SIGHUP about the config file, or undefined when it is as read at start (or there is none). */
export function configChangeWarning(config: Pick<GatewayConfig, 'source' | 'sourceDigest'>): string | undefined {
  if (config.source === undefined || config.sourceDigest === undefined) return undefined;
  let text: string;
  try {
    text = readYamlFile(config.source);
  } catch (err) {
    return `the config file ${config.source} cannot be read now (${(err as Error).message}); the config read at start stays in force (SIGHUP reloads the policy and TLS files, not the config)`;
  }
  if (textDigest(text) === config.sourceDigest) return undefined;
  return `the config file ${config.source} has changed since start, and the change is not applied: the config is read at start only (SIGHUP reloads the policy and TLS files); restart the gateway to apply it`;
}
