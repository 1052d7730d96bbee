/**
 * The policy stage's one error type: a policy file that cannot be loaded or compiled.
 * It carries every problem found, each with its place in the file, so an operator fixes
 * them all in one round instead of one per restart.
 */

/** One problem in a policy file. */
export interface PolicyProblem {
  /** Key path in the file, e.g. `rules[2].guards.binds.allow[0]`; empty for the whole file. */
  path: string;
  /** 1-based line in the file, when known. */
  line?: number;
  message: string;
}

/** Thrown by the loader and compiler; never at request time. */
export class PolicyError extends Error {
  readonly code = 'invalid-policy';
  constructor(
    readonly problems: readonly PolicyProblem[],
    readonly source?: string,
  ) {
    super(formatProblems(problems, source));
    this.name = 'PolicyError';
  }
}

/**
 * Render problems as `invalid policy FILE:\n  path (line N): message` lines. `show` is applied
 * to the file's name and to each problem (the file's text: escapeHidden for a terminal), so that
 * a newline a key holds cannot start a line of its own; the error's message, which the reload
 * log records as JSON, keeps them as they are.
 */
export function formatProblems(problems: readonly PolicyProblem[], source?: string, show: (text: string) => string = (text) => text): string {
  const head = `invalid policy${source ? ` ${show(source)}` : ''}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  const lines = problems.map((p) => `  ${show(`${placeOf(p)}: ${p.message}`)}`);
  return [head, ...lines].join('\n');
}

/**
 * One problem as `policy check` prints it: `FILE:LINE: path: message`, leaving out what is not
 * known (a file that cannot be read: `FILE: message`, not `FILE:-: (file): message`).
 */
export function problemLine(file: string, p: PolicyProblem): string {
  const place = p.line === undefined ? file : `${file}:${p.line}`;
  return `${place}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** `rules[0].allow (line 7)`, `line 7`, or `(file)`. */
export function placeOf(p: PolicyProblem): string {
  const line = p.line !== undefined ? `line ${p.line}` : '';
  if (p.path && line) return `${p.path} (${line})`;
  return p.path || line || '(file)';
}
