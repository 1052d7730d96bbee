/**
 * Reading the gateway's YAML files (config and policy) safely: only regular files, of bounded
 * size, opened without blocking (a FIFO in a file's place would otherwise hold start-up, or a
 * reload and with it every request, until something writes to it, and no signal gets through),
 * and duplicate keys found in one pass (the YAML library's own check compares each key with
 * every earlier one: 40 000 keys took 22 s, with the event loop held).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { isMap, isScalar, visit, type Document } from 'yaml';

/** Largest config or policy file read (a policy of 5000 rules is about 0.5 MiB). */
export const MAX_YAML_FILE_BYTES = 4 * 1024 * 1024;

/** The text of the regular file at `path`; throws an Error saying why it cannot be used. */
export function readYamlFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file (${stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : 'a device or socket'})`);
    if (stat.size > MAX_YAML_FILE_BYTES) throw new Error(`${path} is ${stat.size} bytes; at most ${MAX_YAML_FILE_BYTES} are read`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
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
