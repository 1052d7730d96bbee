/**
 * Validation helpers that collect every problem with its key path instead of stopping at the first.
 */
import { escapeHidden } from '../core/hidden-characters.js';

/** One configuration problem: where it is and what is wrong. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Thrown when a configuration file has problems; carries all of them. The message is what
 * `serve` and `policy check|explain --config` print: the file's name, key paths and the values
 * problems quote are the file's text (a key holding a newline or ESC, a value a bidi override),
 * so their hidden characters are written `\uXXXX` (escapeHidden), each problem on its own line.
 * `problems` keeps them as they are.
 */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(source: string, problems: ConfigProblem[]) {
    super(`invalid configuration ${escapeHidden(source)}:\n` + problems.map((p) => `  ${escapeHidden(`${p.path}: ${p.message}`)}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Collects problems while a config is walked. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  /** Hints given in full so far (see `once`). */
  private readonly hintsGiven = new Set<string>();
  add(path: string, message: string): void {
    this.items.push({ path, message });
  }
  /**
   * `hint` the first time it is asked for, `again` after: a command that fixes several problems
   * at once (one `certs init` writes ca.pem, server-cert.pem and server-key.pem) is printed
   * once, in the first of them, and the later ones refer to it.
   */
  once(hint: string, again: string): string {
    if (this.hintsGiven.has(hint)) return again;
    this.hintsGiven.add(hint);
    return hint;
  }
  /** Report keys of `obj` that are not in `known` (typos must not pass silently). */
  unknownKeys(path: string, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        const where = path ? `${path}.${key}` : key;
        this.add(where, `unknown key (expected one of: ${known.join(', ')})`);
      }
    }
  }
}

/** True for a plain mapping; the one test the config and policy loaders share (core/plain-mapping.ts). */
export { isRecord } from '../core/plain-mapping.js';

/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Read an optional positive integer at `path`, up to `max`, adding a problem if it is present
 * but invalid. Numbers print as YAML wrote them (`1e309` is Infinity, `.nan` NaN; JSON would say null).
 */
export function readPositiveInt(problems: ProblemList, path: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    const got = typeof value === 'number' ? String(value) : JSON.stringify(value);
    problems.add(path, `must be a positive integer up to ${max}, got ${got}`);
    return fallback;
  }
  return value;
}
