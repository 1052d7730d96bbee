/**
 * Validation helpers that collect every problem with its key path instead of stopping at the first.
 */

/** One configuration problem: where it is and what is wrong. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** Thrown when a configuration file has problems; carries all of them. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(source: string, problems: ConfigProblem[]) {
    super(`invalid configuration ${source}:\n` + problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Collects problems while a config is walked. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  add(path: string, message: string): void {
    this.items.push({ path, message });
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

/** True for a plain mapping (YAML object). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read an optional positive integer at `path`, adding a problem if it is present but invalid. */
export function readPositiveInt(problems: ProblemList, path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    problems.add(path, `must be a positive integer, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return value;
}
