/**
 * A small argv parser for the dockgate subcommands: `--flag value`, `--flag=value`, repeatable
 * flags, boolean switches and positionals. Unknown flags are usage errors.
 */

/** Thrown for a command line that does not fit the command; the CLI exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a command accepts. */
export interface ArgSpec {
  /** Flags taking one value (last wins). */
  values?: readonly string[];
  /** Flags taking a value, repeatable. */
  lists?: readonly string[];
  /** Flags without a value. */
  switches?: readonly string[];
}

/** Parsed command line. */
export interface ParsedArgs {
  values: Record<string, string>;
  lists: Record<string, string[]>;
  switches: Set<string>;
  positionals: string[];
}

/** Parse `argv` against `spec`. Throws UsageError on an unknown flag or a missing value. */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { values: {}, lists: {}, switches: new Set(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (spec.switches?.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.switches.add(name);
      continue;
    }
    const isValue = spec.values?.includes(name);
    const isList = spec.lists?.includes(name);
    if (!isValue && !isList) throw new UsageError(`unknown flag --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (isList) (out.lists[name] ??= []).push(value);
    else out.values[name] = value;
  }
  return out;
}

/**
 * Refuse a flag of `names` given more than once: parseArgs keeps the last value, and with
 * `--policy a.yaml --policy b.yaml` a check that silently skips a file reads as that file
 * passing; `serve --config a --config b` would run on b without a word. Throws UsageError.
 * Walks `argv` as parseArgs does (a flag's value is the next argument unless `--flag=value`).
 */
export function refuseRepeated(argv: readonly string[], names: readonly string[], valued: readonly string[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (names.includes(name)) {
      if (seen.has(name)) throw new UsageError(`--${name} given twice (give one)`);
      seen.add(name);
    }
    if (eq < 0 && valued.includes(name)) i++;
  }
}
