/**
 * Mapping keys that YAML does not read as strings. A plain `0042:` is the number 42, `1.10:` the
 * number 1.1, `TRUE:` a boolean, `~:` null, and the JavaScript object built from the document
 * holds them under another name (`"42"`, `"1.1"`, `"true"`, `"null"`). Where keys are names
 * (policy `groups:`, tenancy quotas for groups and users) a rule or quota written for `0042`
 * then applies to nobody, silently. Every key of the gateway's files is a name or a fixed word,
 * so any key that is not a string is refused, with the key as written and a hint to quote it.
 */
import { isAlias, isMap, isScalar, visit, type Document, type Node } from 'yaml';

/** A mapping key that is not a string: its message (the key as written) and where it starts. */
export interface NonNameKey {
  message: string;
  offset: number;
}

/**
 * What YAML read a scalar as, for messages (`the number 42`, `the boolean true`, `a binary
 * value`); also used for list items where a name was expected (policy problems.ts).
 */
export function yamlReading(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (value instanceof Date) return 'a timestamp';
  if (value instanceof Uint8Array) return 'a binary value';
  return 'a value that is not a string';
}

/** The YAML core tag `tag:yaml.org,2002:int` as written (`!!int`), others as they are. */
function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/** The message for key node `k` (already resolved from an alias), or undefined for a string key. */
function keyProblem(k: unknown): string | undefined {
  const empty = 'a key left empty is read by YAML as null, not a name: write the name';
  if (k === null || k === undefined) return empty;
  if (isScalar(k)) {
    const v = k.value;
    if (typeof v === 'string') return undefined;
    // YAML 1.1's merge key `<<` is a symbol; it is not a name and is resolved by the library.
    if (typeof v === 'symbol') return undefined;
    const text = typeof k.source === 'string' ? k.source : String(v);
    if (text === '') return empty;
    // An explicit tag (`!!int "007"`) makes it so whether quoted or not: quoting does not help.
    if (typeof k.tag === 'string' && k.tag !== '') {
      return `key ${text} is read by YAML as ${yamlReading(v)} (its tag ${shortTag(k.tag)} makes it one), not a name: drop the tag`;
    }
    return `key ${text} is read by YAML as ${yamlReading(v)}, not a name: quote it (${JSON.stringify(text)})`;
  }
  return 'a key must be a name, not a list or a mapping';
}

/** Every key of every mapping of `doc` that YAML does not read as a string, in document order. */
export function nonNameKeys(doc: Document): NonNameKey[] {
  const found: NonNameKey[] = [];
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      for (const pair of map.items) {
        const k = pair.key as Node | null;
        const node = isAlias(k) ? k.resolve(doc) : k;
        const message = keyProblem(node);
        if (message === undefined) continue;
        found.push({ message, offset: (k as { range?: [number, number, number] } | null)?.range?.[0] ?? 0 });
      }
    },
  });
  return found;
}
