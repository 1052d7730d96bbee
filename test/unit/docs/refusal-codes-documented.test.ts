// The table of refusals by the gateway itself in docs/observability.md names every reason code
// the gateway's refusals carry (a GatewayError's code, or its finer reason code; a FactsError's
// code), and only codes the source still makes: the `reason` of an audit record and the
// `reason` label of dockgate_decisions_total start with one of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoText, ROOT, tableRows } from './doc-text.js';

const doc = repoText('docs/observability.md');
const start = doc.indexOf('**Refusals by the gateway itself.**');
const table = doc.slice(start, doc.indexOf('\n\n**', start + 1));
const documented = new Set(tableRows(table).keys());

/**
 * Every TypeScript file under src/, parsed with the TypeScript compiler's parser, as the sources
 * are: what the tests below read is code only, never a comment (a code a comment still names,
 * such as a retired one, is not made).
 */
function sources(dir = join(ROOT, 'src')): Array<[string, ts.SourceFile]> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e): Array<[string, ts.SourceFile]> => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [[path, ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true)]] : [];
  });
}

/** Every node of `file`, depth first. */
function nodes(file: ts.SourceFile): ts.Node[] {
  const out: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    out.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** The text of a string literal (quoted or a template without substitutions), or undefined for any other node. */
const literalText = (node: ts.Node | undefined): string | undefined => (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined);

const files = sources();

/** The reason codes written as literals where the source makes a GatewayError or a FactsError. */
function codesInSource(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const [path, file] of files) {
    for (const node of nodes(file)) {
      if (!ts.isNewExpression(node) || !ts.isIdentifier(node.expression)) continue;
      const made = node.expression.text;
      if (made !== 'GatewayError' && made !== 'FactsError') continue;
      const args = node.arguments ?? [];
      // A GatewayError's third argument is its reason code; without one its code is.
      const code = literalText(made === 'GatewayError' && args.length > 2 ? args[2] : args[0]);
      if (code !== undefined && /^[a-z0-9-]+$/.test(code)) codes.set(code, path.slice(ROOT.length));
    }
  }
  return codes;
}

/** The text of every string the source's code (not a comment) begins: its literals, and each template's part before its first substitution. */
const strings = files.flatMap(([, file]) => nodes(file).flatMap((node) => literalText(node) ?? (ts.isTemplateHead(node) ? [node.text] : [])));

/** Whether a string of the source's code spells `code`: one that is the code, or starts with it and a colon (`'code:detail'`, `` `code:${detail}` ``), as a reason does. */
const spelt = (code: string): boolean => strings.some((text) => text === code || text.startsWith(`${code}:`));

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
    expect(spelt(code)).toBe(true);
  });
});
