/**
 * The top-level shape of a gateway config file: its allowed keys, and the refusal of an empty
 * document. Shared by the config loader (`dockgate serve`) and `dockgate policy check|explain
 * --config`, so that a file `serve` refuses for its shape is refused by the check too.
 */
import { type ConfigProblem, isRecord, ProblemList } from './validate.js';

/** The keys a config file may have at its top level. */
export const TOP_KEYS = ['listen', 'tls', 'upstream', 'policy', 'admin', 'audit', 'metrics', 'limits'] as const;

/**
 * Add a problem for every top-level key of `raw` not in TOP_KEYS, and, when the file is a
 * policy (it has `rules:`, which no config has), one that says so and where a policy goes.
 */
export function checkTopLevelKeys(problems: ProblemList, raw: Record<string, unknown>): void {
  if (Object.hasOwn(raw, 'rules')) problems.add('(file)', LOOKS_LIKE_A_POLICY);
  problems.unknownKeys('', raw, TOP_KEYS);
}

/** The hint for a policy file given where a gateway config was expected (rev-config F7). */
export const LOOKS_LIKE_A_POLICY =
  'this looks like a policy file (it has rules:), not a gateway config: name it in the config\'s policy: key, or give it to policy check|explain with --policy';

/**
 * The problem of a config file at absolute path `abs` that holds no document (empty, comments
 * only, `---`): it would start every default (0.0.0.0:2376, the built-in policy), as an empty
 * DOCKGATE_CONFIG would, and is refused for the same reason.
 */
export function emptyConfigProblem(abs: string): ConfigProblem {
  return { path: '(file)', message: `${abs} holds no configuration; leave --config out to run the built-in default` };
}

/** The problem of a config document that is not a mapping (a list, a string). */
export const NOT_A_MAPPING: ConfigProblem = Object.freeze({ path: '(root)', message: 'must be a mapping' });

/**
 * Every problem with the top-level shape of the document parsed from the config file at `abs`:
 * no document, not a mapping, unknown keys. Empty when the shape is one `serve` would accept.
 */
export function topLevelProblems(doc: unknown, abs: string): ConfigProblem[] {
  if (doc === null || doc === undefined) return [emptyConfigProblem(abs)];
  if (!isRecord(doc)) return [NOT_A_MAPPING];
  const problems = new ProblemList();
  checkTopLevelKeys(problems, doc);
  return problems.items;
}
