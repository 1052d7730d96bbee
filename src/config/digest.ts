/** The digest a config file is known by: to tell, on SIGHUP, whether it changed since start. */
import { createHash } from 'node:crypto';

/** sha256 (hex) of the config file's text. */
export function configDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
