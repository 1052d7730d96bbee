// Every exported declaration of src has a doc comment, and so does every field of the config
// types (brief: "doc comments on exported types and config fields"). Read with the TypeScript
// compiler's parser, as the sources are.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './doc-text.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

const documented = (node: ts.Node): boolean => ts.getJSDocCommentsAndTags(node).length > 0;
const exported = (node: ts.Node): boolean => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The name of an exported declaration of `node`, when it is one (types, classes, functions, constants). */
function declarationName(node: ts.Statement): string | undefined {
  if (!exported(node)) return undefined;
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node) || ts.isFunctionDeclaration(node)) {
    return node.name?.text ?? '(default)';
  }
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  return undefined;
}

describe('doc comments', () => {
  it('on every exported type, class, function and constant of src', () => {
    const files = sources(join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(100);
    const missing = files.flatMap((file) =>
      parse(file).statements.flatMap((s) => {
        const name = declarationName(s);
        return name !== undefined && !documented(s) ? [`${relative(ROOT, file)}: ${name}`] : [];
      }),
    );
    expect(missing).toEqual([]);
  });

  it('on every field of the config types (src/config/types.ts)', () => {
    const file = parse(join(ROOT, 'src', 'config', 'types.ts'));
    const fields = file.statements.filter(ts.isInterfaceDeclaration).flatMap((i) => i.members.map((m) => ({ name: `${i.name.text}.${m.name?.getText() ?? '?'}`, m })));
    expect(fields.length).toBeGreaterThan(30);
    expect(fields.filter((f) => !documented(f.m)).map((f) => f.name)).toEqual([]);
  });
});
