/**
 * Collecting validation problems while walking a parsed policy. Paths are kept as segment
 * arrays so the loader can find each problem's line in the YAML document afterwards.
 */
import { yamlReading } from '../config/yaml-keys.js';

/** A key path as segments: `['rules', 2, 'allow', 0]`. */
export type KeyPath = readonly (string | number)[];

/** A problem before its line is known. */
export interface RawProblem {
  at: KeyPath;
  message: string;
}

/** Accumulates problems; validators push and keep going so every problem is reported. */
export class Problems {
  readonly list: RawProblem[] = [];
  add(at: KeyPath, message: string): void {
    this.list.push({ at, message });
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** `['rules', 2, 'allow', 0]` -> `rules[2].allow[0]`. */
export function formatPath(at: KeyPath): string {
  let out = '';
  for (const seg of at) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** True for a plain mapping; the one test the config and policy loaders share (core/plain-mapping.ts). */
export { isRecord } from '../core/plain-mapping.js';

/** Report every key of `obj` not in `known` as an error. */
export function checkKeys(obj: Record<string, unknown>, known: readonly string[], at: KeyPath, problems: Problems): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) problems.add([...at, key], `unknown key "${key}" (expected one of: ${known.join(', ')})`);
  }
}

/** A list of non-empty strings, or undefined after reporting a problem. */
export function stringList(v: unknown, at: KeyPath, problems: Problems): string[] | undefined {
  if (!Array.isArray(v)) {
    problems.add(at, 'must be a list of strings');
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  v.forEach((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      // `users: [0042]` is the number 42 to YAML: say so, the name was meant as text. Likewise
      // `~` (or an empty item), null, and a YAML 1.1 timestamp `2001-01-01`.
      const scalar = typeof item === 'number' || typeof item === 'boolean' || item instanceof Date;
      const read = item === null ? ' (YAML read null here: write the name, quoted)' : scalar ? ` (YAML read ${yamlReading(item)} here: quote it)` : '';
      problems.add([...at, i], `must be a non-empty string${read}`);
      ok = false;
    } else out.push(item);
  });
  return ok ? out : undefined;
}
