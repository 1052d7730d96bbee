/**
 * Parse and validate a policy file. Every problem is collected and reported at once, each
 * with its key path and line; unknown keys, operation names and sections are errors.
 * Pure: takes the file's text, never reads files (see load-file.ts).
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { TOP_KEYS as CONFIG_TOP_KEYS } from '../config/top-level.js';
import { duplicateKeys } from '../config/yaml-file.js';
import { nonNameKeys } from '../config/yaml-keys.js';
import { yamlErrorMessage } from '../config/yaml-messages.js';
import { PolicyError, type PolicyProblem } from './errors.js';
import { GUARDS_BY_KEY } from './guards/index.js';
import { checkKeys, formatPath, isRecord, Problems, stringList, type KeyPath } from './problems.js';
import type { PolicyMode, PolicySpec, RuleSpec, WhoSpec } from './schema.js';
import { sanEntryProblem } from './san-kind.js';
import { compileSelector } from './selectors.js';
import { parseTenancy } from './tenancy-schema.js';

const TOP_KEYS = ['version', 'mode', 'description', 'groups', 'rules', 'tenancy'];
const RULE_KEYS = ['name', 'description', 'who', 'allow', 'deny', 'mode', 'guards'];
const WHO_KEYS = ['anyone', 'users', 'groups', 'sans'];
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Parse policy YAML into a validated spec; throws PolicyError listing every problem. */
export function parsePolicy(text: string, source?: string): PolicySpec {
  const lineCounter = new LineCounter();
  let doc: Document;
  let root: unknown;
  try {
    // Duplicate keys are found in one pass below (the library's check is quadratic).
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    throw new PolicyError([{ path: '', message: `the YAML cannot be read: ${yamlMessage(err)}` }], source);
  }
  // Syntax errors, duplicate keys and unresolved tags (`!!js/function` would read as a string).
  const yamlProblems: PolicyProblem[] = [
    ...doc.errors.map((e) => ({ path: '', message: yamlErrorMessage(e, lineCounter.linePos(e.pos[0]).col), line: lineCounter.linePos(e.pos[0]).line })),
    ...duplicateKeys(doc).map((d) => ({ path: '', message: `duplicate key "${d.key}"`, line: lineCounter.linePos(d.offset).line })),
    ...nonNameKeys(doc).map((k) => ({ path: '', message: k.message, line: lineCounter.linePos(k.offset).line })),
    ...doc.warnings.map((w) => ({ path: '', message: yamlErrorMessage(w, lineCounter.linePos(w.pos[0]).col), line: lineCounter.linePos(w.pos[0]).line })),
  ];
  if (yamlProblems.length > 0) throw new PolicyError(yamlProblems, source);
  // Built only now, when every key is a string: a list or mapping as key would make the
  // library print a process warning ("Set mapAsMap") on top of the problem (rev-fix-config R5).
  // Building can throw: an alias bomb (more than 100 aliases), a YAML 1.1 merge of a
  // non-mapping (`<<: 1`). A policy error like any other, never a crash.
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyError([{ path: '', message: `the YAML cannot be read: ${yamlMessage(err)}` }], source);
  }
  const problems = new Problems();
  const spec = validate(root, problems);
  if (!problems.empty || !spec) {
    // In file order, as an editor walks them (Array.sort is stable for problems on one line).
    const located = problems.list.map((p) => withLine(p.at, p.message, doc, lineCounter));
    throw new PolicyError(located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), source);
  }
  return spec;
}

/** The first line of a YAML library error, with a hint for the alias limit. */
function yamlMessage(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  return /alias count/i.test(message) ? `${message} (at most 100 aliases are expanded)` : message;
}

function withLine(at: KeyPath, message: string, doc: Document, lc: LineCounter): PolicyProblem {
  const problem: PolicyProblem = { path: formatPath(at), message };
  // The node at the path, or its nearest ancestor that exists in the document.
  for (let n = at.length; n >= 0; n--) {
    const node = doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      problem.line = lc.linePos(node.range[0]).line;
      break;
    }
  }
  return problem;
}

function validate(root: unknown, problems: Problems): PolicySpec | undefined {
  if (!isRecord(root)) {
    problems.add([], 'a policy must be a mapping with version and rules');
    return undefined;
  }
  // A gateway config given as the policy (rev-config F7): its keys are all "unknown"; say what it is.
  const configKeys = CONFIG_TOP_KEYS.filter((k) => Object.hasOwn(root, k));
  if (configKeys.length > 0 && root.rules === undefined) {
    const keys = configKeys.map((k) => `${k}:`).join(', ');
    problems.add([], `this looks like a gateway config file (it has ${keys}), not a policy: give it to serve or policy check|explain with --config; the policy is the file its policy: key names`);
  }
  checkKeys(root, TOP_KEYS, [], problems);
  if (root.version !== 1) problems.add(['version'], root.version === undefined ? 'missing required key "version" (use version: 1)' : 'version must be 1');
  if (root.description !== undefined && typeof root.description !== 'string') problems.add(['description'], 'must be a string');
  const mode = parseMode(root.mode, ['mode'], problems) ?? 'enforce';
  const groups = parseGroups(root.groups, problems);
  const rules: RuleSpec[] = [];
  if (root.rules === undefined) problems.add(['rules'], 'missing required key "rules" (a list; with no rules everything is denied)');
  else if (!Array.isArray(root.rules)) problems.add(['rules'], 'must be a list of rules');
  else {
    const names = new Map<string, number>();
    root.rules.forEach((r, i) => {
      const rule = parseRule(r, i, problems);
      if (!rule) return;
      const earlier = names.get(rule.name);
      if (earlier !== undefined) problems.add(['rules', i, 'name'], `duplicate rule name "${rule.name}" (also rules[${earlier}])`);
      names.set(rule.name, i);
      rules.push(rule);
    });
  }
  const spec: PolicySpec = { version: 1, mode, groups, rules };
  const tenancy = root.tenancy === undefined ? undefined : parseTenancy(root.tenancy, problems);
  if (tenancy) spec.tenancy = tenancy;
  return spec;
}

function parseMode(v: unknown, at: KeyPath, problems: Problems): PolicyMode | undefined {
  if (v === undefined) return undefined;
  if (v === 'enforce' || v === 'audit') return v;
  problems.add(at, 'mode must be "enforce" or "audit"');
  return undefined;
}

function parseGroups(v: unknown, problems: Problems): Record<string, string[]> {
  // No prototype: a group named `__proto__` is a group like any other, not a lost assignment.
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  if (v === undefined) return out;
  if (!isRecord(v)) {
    problems.add(['groups'], 'must be a mapping of group name to a list of user names');
    return out;
  }
  for (const [name, members] of Object.entries(v)) {
    const list = stringList(members, ['groups', name], problems);
    if (list) out[name] = list;
  }
  return out;
}

function parseRule(r: unknown, i: number, problems: Problems): RuleSpec | undefined {
  const at: KeyPath = ['rules', i];
  if (!isRecord(r)) {
    problems.add(at, 'a rule must be a mapping with name, who and allow or deny');
    return undefined;
  }
  checkKeys(r, RULE_KEYS, at, problems);
  let name = `rules[${i}]`;
  if (typeof r.name !== 'string') problems.add([...at, 'name'], r.name === undefined ? 'missing required key "name"' : 'must be a string');
  else if (!RULE_NAME.test(r.name) || r.name === 'default') problems.add([...at, 'name'], `rule name "${r.name}" must be letters, digits, ".", "_" or "-" (and not "default")`);
  else name = r.name;
  if (r.description !== undefined && typeof r.description !== 'string') problems.add([...at, 'description'], 'must be a string');
  const who = parseWho(r.who, [...at, 'who'], problems);
  const mode = parseMode(r.mode, [...at, 'mode'], problems);
  let effect: 'allow' | 'deny' = 'deny';
  let selectors: string[] = [];
  if ('allow' in r && 'deny' in r) {
    problems.add(at, 'a rule has either "allow" or "deny", not both');
    // Both lists are still read, so their own problems show in the same run.
    parseSelectors(r.deny, [...at, 'deny'], problems);
  }
  if ('allow' in r) {
    effect = 'allow';
    selectors = parseSelectors(r.allow, [...at, 'allow'], problems);
  } else if ('deny' in r) selectors = parseSelectors(r.deny, [...at, 'deny'], problems);
  else problems.add(at, 'a rule needs "allow" or "deny"');
  const guards: Record<string, unknown> = {};
  if (r.guards !== undefined) {
    if (effect !== 'allow') problems.add([...at, 'guards'], 'guards belong to allow rules (a deny rule refuses outright)');
    else if (!isRecord(r.guards)) problems.add([...at, 'guards'], 'must be a mapping of guard settings');
    else {
      for (const [key, value] of Object.entries(r.guards)) {
        const guard = GUARDS_BY_KEY.get(key);
        if (!guard) {
          problems.add([...at, 'guards', key], `unknown guard "${key}" (guards: ${[...GUARDS_BY_KEY.keys()].join(', ')})`);
          continue;
        }
        const parsed = guard.parse(value, [...at, 'guards', key], problems);
        if (parsed !== undefined) guards[key] = parsed;
      }
    }
  }
  if (!who) return undefined;
  const rule: RuleSpec = { name, who, effect, selectors, guards, index: i };
  if (typeof r.description === 'string') rule.description = r.description;
  if (mode) rule.mode = mode;
  return rule;
}

function parseWho(v: unknown, at: KeyPath, problems: Problems): WhoSpec | undefined {
  if (v === undefined) {
    problems.add(at, 'missing required key "who" (users, groups, sans or anyone: true)');
    return undefined;
  }
  if (!isRecord(v)) {
    problems.add(at, 'must be a mapping: { users: [...] }, { groups: [...] } or { anyone: true }');
    return undefined;
  }
  checkKeys(v, WHO_KEYS, at, problems);
  const who: WhoSpec = { anyone: false, users: [], groups: [], sans: [] };
  if (v.anyone !== undefined) {
    if (v.anyone !== true) problems.add([...at, 'anyone'], 'anyone must be true (leave it out otherwise)');
    else who.anyone = true;
  }
  for (const key of ['users', 'groups', 'sans'] as const) {
    if (v[key] === undefined) continue;
    const list = stringList(v[key], [...at, key], problems);
    if (list) who[key] = list;
  }
  who.sans.forEach((entry, i) => {
    const problem = sanEntryProblem(entry);
    if (problem) problems.add([...at, 'sans', i], problem);
  });
  if (who.anyone && (who.users.length || who.groups.length || who.sans.length)) problems.add(at, 'anyone: true cannot be combined with users, groups or sans');
  // Not when a list was given and its entries were refused above: that says what is wrong.
  const listed = (['users', 'groups', 'sans'] as const).some((k) => Array.isArray(v[k]) && (v[k] as unknown[]).length > 0);
  if (!who.anyone && !listed && !who.users.length && !who.groups.length && !who.sans.length && Object.keys(v).every((k) => WHO_KEYS.includes(k))) {
    problems.add(at, 'names nobody: give users, groups, sans or anyone: true');
  }
  return who;
}

function parseSelectors(v: unknown, at: KeyPath, problems: Problems): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    problems.add(at, 'must be "all" or a non-empty list of selectors');
    return [];
  }
  const out: string[] = [];
  list.forEach((item, j) => {
    const itemAt = typeof v === 'string' ? at : [...at, j];
    if (typeof item !== 'string') {
      problems.add(itemAt, 'a selector must be a string');
      return;
    }
    const compiled = compileSelector(item);
    if ('error' in compiled) problems.add(itemAt, compiled.error);
    else out.push(item);
  });
  return out;
}
