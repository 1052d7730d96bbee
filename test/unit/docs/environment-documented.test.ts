/**
 * The environment variables the code reads, and the bench's flags, are documented: the other
 * docs tests cover config keys, CLI flags, metrics, log events and audit fields, and not these
 * (a variable read in src/ or bench/ could go unsaid: BENCH_LISTEN_PORT was).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoText, ROOT } from './doc-text.js';

/** The text of every file under `dir` (from the repository root) whose name ends in one of `exts`. */
function sources(dir: string, exts: readonly string[]): string {
  return (readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => exts.some((ext) => file.endsWith(ext)))
    .map((file) => readFileSync(join(ROOT, dir, file), 'utf8'))
    .join('\n');
}

/** The distinct first groups of `pattern` in `text`. */
const names = (text: string, pattern: RegExp): string[] => [...new Set([...text.matchAll(pattern)].map((m) => m[1] as string))].sort();

const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].map(repoText).join('\n');
const benchDoc = repoText('docs/benchmarks.md');
const bench = sources('bench', ['.mjs']);

/** Variables every Unix program may read, which the docs need not explain. */
const GENERAL = new Set(['PATH']);

describe('environment variables and bench flags are documented', () => {
  const gatewayVars = names(sources('src', ['.ts']), /\benv\.([A-Z][A-Z0-9_]+)/g).filter((v) => !GENERAL.has(v));
  it('finds the gateway\'s variables', () => expect(gatewayVars).toContain('DOCKGATE_CONFIG'));
  it.each(gatewayVars)('%s (read in src/) is in README.md or docs/', (name) => {
    expect(docs).toContain(`\`${name}\``);
  });

  const benchVars = names(bench, /\b(BENCH_[A-Z0-9_]+)/g);
  it('finds the bench\'s variables', () => expect(benchVars).toContain('BENCH_ONLY'));
  it.each(benchVars)('%s (read in bench/) is in docs/benchmarks.md', (name) => {
    expect(benchDoc).toContain(`\`${name}\``);
  });

  const benchFlags = names(bench, /(?:arg === |argv\.includes\()'(--[a-z][a-z-]*)'/g);
  it('finds the bench\'s flags', () => expect(benchFlags).toContain('--smoke'));
  it.each(benchFlags)('%s (a flag of bench/) is in docs/benchmarks.md', (flag) => {
    expect(benchDoc).toMatch(new RegExp(`\`(node bench/\\S+ [^\`]*)?${flag}\\b`));
  });
});
