/**
 * How the operator runs dockgate, for the commands a message tells them to run (`create it
 * with "dockgate certs init ..."`). On a checkout there is no `dockgate` on PATH (rev-newuser
 * F1): `npm start` runs `node dist/cli/main.js`, and a hint naming `dockgate` failed with
 * "command not found". The executable (main.ts) sets the name once from how this process was
 * started; until then, and in tests, it is `dockgate`.
 */
import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

let current = 'dockgate';

/** The command that runs dockgate, as messages print it (`dockgate`, or `node /path/dist/cli/main.js`). */
export function commandName(): string {
  return current;
}

/**
 * `dockgate` where a text names a command to run (`dockgate certs init`, `"dockgate COMMAND
 * --help"`), not where it is the program's own name (`dockgate 0.1.0: ...`, `a dockgate gateway`).
 */
const RUNNABLE_DOCKGATE = /\bdockgate(?= (?:serve|certs|policy|help|COMMAND|--version|--help)\b)/g;

/**
 * A help or usage text as printed: every command it names written as `commandName()` says, as
 * the hints are. The texts are written with `dockgate`, and `Usage: dockgate serve` on a
 * checkout named a command that is not there ("command not found").
 */
export function withCommandName(text: string): string {
  return text.replace(RUNNABLE_DOCKGATE, () => current);
}

/** Set the command messages print; main.ts calls it once with `selfCommand(...)`. */
export function setCommandName(name: string): void {
  current = name;
}

/** `text` as one shell word: unchanged when it needs no quoting, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * The command for a process whose script is `script` (process.argv[1], absolute): `dockgate`
 * when the first `dockgate` found on `pathEnv` is that same file (after links), else `node SCRIPT` (its real path:
 * `dist/cli/main.js`, not npx's `node_modules/.bin/dockgate` link), which works from any directory. `node_modules/.bin` directories on PATH are skipped: npm puts
 * them there for `npm start`/`npx` only, and the operator's shell has none of them.
 * `realpath` returns undefined for a path that does not exist.
 */
export function selfCommand(script: string | undefined, pathEnv: string | undefined, realpath: (path: string) => string | undefined): string {
  if (script === undefined || script === '') return 'dockgate';
  const own = realpath(script);
  if (own !== undefined) {
    for (const dir of (pathEnv ?? '').split(delimiter)) {
      if (dir === '' || /(^|[/\\])node_modules[/\\]\.bin[/\\]?$/.test(dir)) continue;
      // The first `dockgate` on PATH is the one the shell runs: this install, or another.
      const found = realpath(join(dir, 'dockgate'));
      if (found !== undefined) {
        if (found === own) return 'dockgate';
        break;
      }
    }
  }
  return `node ${shellWord(own ?? script)}`;
}

/** realpathSync, or undefined when the path does not resolve. */
export function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
