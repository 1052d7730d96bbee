/**
 * The digest a file's text is known by: to tell whether a config or policy file changed since
 * it was last read (the config at start, the policy at its last load attempt).
 */
import { createHash } from 'node:crypto';

/** sha256 (hex) of a file's text. */
export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
