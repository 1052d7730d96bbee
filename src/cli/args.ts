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
