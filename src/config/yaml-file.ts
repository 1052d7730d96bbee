/**
 * Reading the gateway's YAML files (config and policy) safely: only regular files, of bounded
 * size, opened without blocking (regular-file.ts), and duplicate keys found in one pass (the
 * YAML library's own check compares each key with every earlier one: 40 000 keys took 22 s,
 * with the event loop held).
 */
import { isMap, isScalar, visit, type Document } from 'yaml';
import { readRegularFile, tooLargeMessage } from './regular-file.js';

/** Largest config or policy file read (a policy of 5000 rules is about 0.5 MiB). */
export const MAX_YAML_FILE_BYTES = 4 * 1024 * 1024;

/** The text of the regular file at `path`; throws an Error saying why it cannot be used. */
export function readYamlFile(path: string): string {
  return utf8Text(readRegularFile(path, MAX_YAML_FILE_BYTES));
}

/**
 * The text of `bytes` already read from the YAML file at `path` (a settle wait's, which reads
 * up to a larger bound), refused as readYamlFile refuses a read: too large, or not UTF-8.
 */
export function yamlTextOf(path: string, bytes: Buffer): string {
  if (bytes.length > MAX_YAML_FILE_BYTES) throw new Error(tooLargeMessage(path, bytes.length, MAX_YAML_FILE_BYTES));
  return utf8Text(bytes);
}

/**
 * `bytes` as UTF-8 text, or an Error naming the first byte that is not UTF-8 (rev-redteam F1): a
 * policy saved as Latin-1 was decoded with U+FFFD in place of `é`, so `users: ["José"]` named
 * nobody, a deny rule for him never applied, and `policy check` said OK.
 */
export function utf8Text(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const again = Buffer.from(text, 'utf8');
  if (again.equals(bytes)) return text;
  // The valid prefix re-encodes to the same bytes: the first difference is the first bad byte.
  let at = 0;
  while (at < bytes.length && bytes[at] === again[at]) at++;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Characters, not UTF-16 units: an emoji before the bad byte counts once (rev-fix29 M2).
  const column = [...bytes.subarray(lineStart, at).toString('utf8')].length + 1;
  const hex = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  throw new Error(`is not UTF-8 text: byte 0x${hex} at line ${line}, column ${column} (a file saved as Latin-1 or UTF-16?): names would not read as written; save it as UTF-8`);
}

/** A key that occurs twice in one mapping, and where its second occurrence starts. */
export interface DuplicateKey {
  key: string;
  offset: number;
}

/**
 * Keys that occur more than once in a mapping of `doc` (parsed with `uniqueKeys: false`), each
 * mapping checked with a set. Scalar keys compare by their string (`1` and `"1"` become one
 * property); other keys by their YAML text.
 */
export function duplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        const name = isScalar(k) ? String(k.value) : String(k);
        if (seen.has(name)) found.push({ key: name, offset: (k as { range?: [number, number, number] } | null)?.range?.[0] ?? 0 });
        seen.add(name);
      }
    },
  });
  return found;
}
