/**
 * A small, strict argument parser for the `certs` subcommands: `--flag value`, `--flag=value`,
 * repeatable list flags, boolean flags and `--` to end flags. Anything unknown is a
 * UsageError (exit 2), never silently ignored: a mistyped `--gruop` must not issue a
 * certificate without its groups.
 */
import { UsageError } from './errors.js';

/** How a flag takes values. */
export type FlagKind = 'bool' | 'string' | 'list';

/** Flags a subcommand accepts, by long name without dashes. */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

/** Parsed command line of one subcommand. */
export class ParsedArgs {
  constructor(
    readonly command: string,
    readonly positionals: readonly string[],
    private readonly values: ReadonlyMap<string, readonly string[]>,
  ) {}

  /** Value of a string flag, if given. */
  string(flag: string): string | undefined {
    return this.values.get(flag)?.[0];
  }

  /** Every value of a list flag, in command-line order. */
  list(flag: string): string[] {
    return [...(this.values.get(flag) ?? [])];
  }

  /** True when a boolean flag was given. */
  bool(flag: string): boolean {
    return this.values.has(flag);
  }

  /** A positive integer flag; UsageError for anything else. */
  int(flag: string): number | undefined {
    const text = this.string(flag);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < 1) {
      throw new UsageError(`--${flag} must be a positive whole number, got "${text}"`, this.command);
    }
    return Number(text);
  }
}

/** Parses `argv` (the arguments after the subcommand name) against `spec`. */
export function parseArgs(command: string, argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      values.set('help', []);
      continue;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`, command);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const kind = flag === 'help' ? 'bool' : spec[flag];
    if (kind === undefined) throw new UsageError(`unknown option --${flag}`, command);
    if (kind === 'bool') {
      if (eq !== -1) throw new UsageError(`--${flag} takes no value`, command);
      values.set(flag, []);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`--${flag} needs a value`, command);
    const previous = values.get(flag);
    if (previous && kind === 'string') throw new UsageError(`--${flag} given more than once`, command);
    values.set(flag, [...(previous ?? []), value]);
  }
  return new ParsedArgs(command, positionals, values);
}
