/**
 * The config file as text and as a YAML value: reading it (saying why it cannot be read, naming
 * the file once) and parsing it (every syntax error, duplicate key and unresolved tag at once).
 */
import { LineCounter, parseDocument } from 'yaml';
import { unreadableReason } from './unreadable.js';
import { ConfigError } from './validate.js';
import { duplicateKeys, readYamlFile } from './yaml-file.js';
import { nonNameKeys } from './yaml-keys.js';
import { yamlErrorMessage } from './yaml-messages.js';

/**
 * Why the config file at `abs` cannot be read, naming it once (rev-newuser F9): an OS error in
 * dockgate's words (`no such file`), not Node's (`ENOENT: no such file or directory, open
 * '...'`) after the path again; readRegularFile's own refusals already start with the path.
 */
export function configReadProblem(abs: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && typeof e.syscall === 'string') return `${abs}: ${unreadableReason(abs, e.code)}`;
  const message = e instanceof Error ? e.message : String(err);
  return message.startsWith(abs) ? message : `${abs}: ${message}`;
}

/** The text of the config file at absolute path `abs`; throws ConfigError saying why it cannot be read. */
export function readConfigText(abs: string): string {
  try {
    return readYamlFile(abs);
  } catch (err) {
    throw new ConfigError(abs, [{ path: '(file)', message: configReadProblem(abs, err) }]);
  }
}

/**
 * The value of config text (null or undefined for no document). Throws ConfigError for every
 * syntax error, duplicate key, key that is no string and unresolved tag, with lines. Also used
 * by `policy check --config`, so both say the same about the same file.
 */
export function parseConfigText(text: string, abs: string): unknown {
  const lines = new LineCounter();
  let doc: unknown;
  try {
    const parsed = parseDocument(text, { uniqueKeys: false, lineCounter: lines, prettyErrors: false });
    const at = (offset: number) => `line ${lines.linePos(offset).line}`;
    // Every syntax error, duplicate key and unresolved tag (`!!js/function` would read as a string).
    const problems = [
      ...[...parsed.errors, ...parsed.warnings].map((e) => `${at(e.pos[0])}: ${yamlErrorMessage(e, lines.linePos(e.pos[0]).col)}`),
      ...duplicateKeys(parsed).map((d) => `duplicate key "${d.key}" at ${at(d.offset)}`),
      ...nonNameKeys(parsed).map((k) => `${at(k.offset)}: ${k.message}`),
    ];
    if (problems.length > 0) throw new ConfigError(abs, problems.map((message) => ({ path: '(yaml)', message })));
    doc = parsed.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(abs, [{ path: '(yaml)', message: (err as Error).message.split('\n')[0] ?? 'invalid YAML' }]);
  }
  return doc;
}
