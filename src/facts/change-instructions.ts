/**
 * The instructions a commit's or an import's `changes` make, as dockerd finds them: it joins
 * every `changes` value with newlines and parses the result as a Dockerfile
 * (dockerfile.BuildFromConfig with the buildkit parser of dockerd 20.10), so one value may hold
 * several instructions (a newline), a line continuation may join two values into one, comments
 * and blank lines are skipped, and an `# escape=` directive on the first line changes the
 * continuation character. Only the instruction keyword of each is returned, from a fixed list,
 * never any other text: a change such as `ENV TOKEN=...` carries a value that may be a secret.
 * Pure.
 */

/** Dockerfile instruction keywords the parser knows (its dispatch table). */
const INSTRUCTIONS = new Set(['add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir']);

/** How an instruction whose keyword is not a Dockerfile instruction is named (dockerd refuses the request). */
export const UNKNOWN_INSTRUCTION = '(unknown)';

/** Go's unicode.IsSpace. */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_SPACE = new RegExp(`^[${GO_SPACE}]+`);
const SURROUNDING_SPACE = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');
/** The parser's tokenWhitespace, which splits the keyword from its arguments. */
const TOKEN_WHITESPACE = /[\t\v\f\r ]+/;
const ESCAPE_DIRECTIVE = /^#[ \t]*escape[ \t]*=[ \t]*([\s\S])/;

/** Go's strings.ToLower for a keyword: simple case mapping (`İ` is `i`, Kelvin sign `k`). */
function goLower(s: string): string {
  return s.replace(/\u0130/g, 'i').toLowerCase();
}

function trimLeft(line: string): string {
  return line.replace(LEADING_SPACE, '');
}

function isComment(line: string): boolean {
  return trimLeft(line).startsWith('#');
}

/**
 * The keyword of one joined instruction line, as the parser's splitCommand finds it (the first
 * token after Go's TrimSpace, split at tokenWhitespace, lower-cased as Go does): upper case when
 * it is an instruction, else UNKNOWN_INSTRUCTION.
 */
export function instructionKeyword(line: string): string {
  const cmd = goLower(line.replace(SURROUNDING_SPACE, '').split(TOKEN_WHITESPACE, 1)[0] ?? '');
  return INSTRUCTIONS.has(cmd) ? cmd.toUpperCase() : UNKNOWN_INSTRUCTION;
}

/**
 * The text after the keyword of one instruction line (splitCommand's second part, before its
 * flags are taken off): what `ONBUILD` parses as the instruction it holds. Empty when none.
 */
export function instructionArguments(line: string): string {
  const trimmed = line.replace(SURROUNDING_SPACE, '');
  const gap = TOKEN_WHITESPACE.exec(trimmed);
  return gap === null ? '' : trimmed.slice(gap.index + gap[0].length);
}

/**
 * The keyword of every instruction dockerd reads from `changes`, in order (`["ENV", "LABEL"]`).
 * A request dockerd refuses while parsing (a bad escape directive, a malformed instruction) may
 * be read differently here; it changes nothing on the daemon.
 */
export function changeInstructions(changes: readonly string[]): string[] {
  if (changes.length === 0) return [];
  // bufio.ScanLines: split at \n, drop one \r before it; no empty token after a final \n.
  const lines = changes.join('\n').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > 0) lines[0] = (lines[0] as string).replace(/^\ufeff/, '');
  let continuation = /\\[ \t]*$/;
  let directives = true;
  /** processLine: the parser directive check (until the first line that is not one), then comments dropped. */
  const processLine = (raw: string, stripLeft: boolean): string => {
    const token = stripLeft ? trimLeft(raw) : raw;
    if (directives) {
      const escape = ESCAPE_DIRECTIVE.exec(token.toLowerCase())?.[1];
      if (escape === '`') continuation = /`[ \t]*$/;
      else if (escape === '\\') continuation = /\\[ \t]*$/;
      else directives = false;
    }
    return token.startsWith('#') ? '' : token;
  };
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let text = processLine(lines[i] as string, true);
    let ended = !continuation.test(text);
    text = text.replace(continuation, '');
    if (ended && text === '') continue;
    while (!ended && i + 1 < lines.length) {
      const raw = lines[++i] as string;
      const next = processLine(raw, false);
      if (isComment(raw) || trimLeft(next) === '') continue;
      ended = !continuation.test(next);
      text += next.replace(continuation, '');
    }
    out.push(instructionKeyword(text));
  }
  return out;
}
