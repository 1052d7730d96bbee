/**
 * Path globs of policy selectors (`GET /containers/*\/json`, `/images/**`), matched without
 * backtracking: `*` stands for any characters but `/`, `**` for any characters at all (a
 * decoded path may hold U+2028, which `.` would miss), everything else for itself. A RegExp of
 * such a glob backtracks exponentially on a path the client chooses (`*a*a*a*a*c` against a
 * long run of `a`: one request held the event loop for 21 s); this matcher carries the set of
 * positions the glob so far can end at through the path once per piece of the glob, so its time
 * is at most the number of pieces times the path's length.
 */

type Piece = { kind: 'literal'; text: string } | { kind: 'star' } | { kind: 'globstar' };

const SLASH = 0x2f;

function pieces(glob: string): Piece[] {
  const out: Piece[] = [];
  let literal = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch !== '*') {
      literal += ch;
      continue;
    }
    if (literal !== '') out.push({ kind: 'literal', text: literal });
    literal = '';
    if (glob[i + 1] === '*') {
      out.push({ kind: 'globstar' });
      i++;
    } else {
      out.push({ kind: 'star' });
    }
  }
  if (literal !== '') out.push({ kind: 'literal', text: literal });
  return out;
}

function matches(glob: readonly Piece[], path: string): boolean {
  const n = path.length;
  // at[i]: the pieces so far can match path[0..i).
  let at = new Uint8Array(n + 1);
  at[0] = 1;
  for (const piece of glob) {
    const next = new Uint8Array(n + 1);
    let any = false;
    if (piece.kind === 'literal') {
      const { text } = piece;
      for (let i = 0; i + text.length <= n; i++) {
        if (at[i] && path.startsWith(text, i)) {
          next[i + text.length] = 1;
          any = true;
        }
      }
    } else {
      // From any reachable position onwards; a single star stops at a `/`.
      let reach = false;
      for (let j = 0; j <= n; j++) {
        if (at[j]) reach = true;
        if (reach) {
          next[j] = 1;
          any = true;
        }
        if (piece.kind === 'star' && path.charCodeAt(j) === SLASH) reach = false;
      }
    }
    if (!any) return false;
    at = next;
  }
  return at[n] === 1;
}

/** A matcher for `glob` against a whole request path (see the module comment). */
export function compilePathGlob(glob: string): (path: string) => boolean {
  const compiled = pieces(glob);
  if (compiled.every((p) => p.kind === 'literal')) return (path) => path === glob;
  return (path) => matches(compiled, path);
}
