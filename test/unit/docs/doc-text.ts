/**
 * Reading the project's Markdown for the tests that keep the docs and the code in step: a
 * table's rows by the code names in their first cell, a section by its heading.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/unit/docs/doc-text.ts). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The text of a file of the repository, by its path from the root (`README.md`, `docs/policy.md`). */
export function repoText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** One row of a Markdown table: its cells, trimmed. */
export type Row = readonly string[];

/**
 * The rows of every table in `text` (header and `|---|` lines left out), keyed by each name in
 * backquotes in the row's first cell: `| \`bytesIn\`, \`bytesOut\` | ...` is the row of both.
 */
export function tableRows(text: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    for (const m of (cells[0] ?? '').matchAll(/`([^`]+)`/g)) rows.set(m[1] as string, cells);
  }
  return rows;
}

/** The section of `text` under the heading line `heading` (exactly, `### \`certs init\``), up to the next heading of its level or above. */
export function section(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && (/^#+/.exec(l)?.[0].length ?? 0) <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The names in backquotes in `cell` (`\`operation\`, [\`identity\`]` gives operation, identity). */
export function codeNames(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}

/** `text` with every run of white space (line breaks included) as one space, for phrases a line break may split. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** The first Markdown table of `text`: its lines from the first that starts with `|` to the last before a line that does not. */
export function firstTable(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) throw new Error('no table');
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}
