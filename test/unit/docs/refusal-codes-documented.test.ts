// The table of refusals by the gateway itself in docs/observability.md names every reason code
// the gateway's refusals carry (a GatewayError's code, or its finer reason code; a FactsError's
// code), and only codes the source still makes: the `reason` of an audit record and the
// `reason` label of dockgate_decisions_total start with one of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoText, ROOT, tableRows } from './doc-text.js';

const doc = repoText('docs/observability.md');
const start = doc.indexOf('**Refusals by the gateway itself.**');
const table = doc.slice(start, doc.indexOf('\n\n**', start + 1));
const documented = new Set(tableRows(table).keys());

/** Every TypeScript file under src/, with its text. */
function sources(dir = join(ROOT, 'src')): Array<[string, string]> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e): Array<[string, string]> => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [[path, readFileSync(path, 'utf8')]] : [];
  });
}

/** The arguments of the call whose `(` is at `open` in `text`, as source text (nested brackets and strings skipped). */
function callArguments(text: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let from = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
    } else if ('([{'.includes(c)) {
      depth++;
    } else if (')]}'.includes(c)) {
      depth--;
      if (depth === 0) return [...args, text.slice(from, i).trim()];
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  throw new Error('unclosed call');
}

/** The code a literal argument spells (`'body-framing'`), or undefined. */
const literal = (arg: string | undefined): string | undefined => /^'([a-z0-9-]+)'$/.exec(arg ?? '')?.[1];

/** The reason codes written as literals where the source makes a GatewayError or a FactsError. */
function codesInSource(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const [path, text] of sources()) {
    for (const m of text.matchAll(/new (GatewayError|FactsError)\(/g)) {
      const args = callArguments(text, (m.index ?? 0) + m[0].length - 1);
      // A GatewayError's third argument is its reason code; without one its code is.
      const code = m[1] === 'GatewayError' && args.length > 2 ? literal(args[2]) : literal(args[0]);
      if (code) codes.set(code, path.slice(ROOT.length));
    }
  }
  return codes;
}

describe('docs/observability.md, refusals by the gateway itself', () => {
  const codes = codesInSource();

  it('finds the refusals in the source', () => {
    expect(codes.size).toBeGreaterThan(20);
    expect([...codes.keys()]).toEqual(expect.arrayContaining(['body-framing', 'bad-expect', 'unclean-path', 'identity-body-budget']));
  });

  it.each([...codes])('documents %s (%s)', (code) => {
    expect(documented.has(code)).toBe(true);
  });

  // A row for a code nothing makes any more (an upgrade's `bad-framing`, retired) misleads whoever
  // reads a record or builds an alert on it: each row's code is still spelt in the source.
  it.each([...documented])('%s is still made by the source', (code) => {
    const spelt = new RegExp(`['"\`]${code}[:'"\`]`);
    expect(sources().some(([, text]) => spelt.test(text))).toBe(true);
  });
});
