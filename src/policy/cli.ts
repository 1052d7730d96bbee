/**
 * `dockgate policy check` and `dockgate policy explain`. Exit codes: 0 valid / allowed,
 * 2 invalid policy or usage, 3 the request would be denied (or refused as malformed).
 */
import { readFileSync } from 'node:fs';
import type { Identity } from '../core/types.js';
import { buildFacts } from '../facts/build-facts.js';
import { bodyMediaKind } from '../facts/content-type.js';
import { FactsError } from '../facts/errors.js';
import { parseFormBody } from '../facts/query.js';
import { type ArgSpec, parseArgs, refuseRepeated, UsageError } from '../cli/args.js';
import { withCommandName } from '../core/command-name.js';
import { escapeHidden } from '../core/hidden-characters.js';
import { readFailure } from '../config/unreadable.js';
import { ConfigError } from '../config/validate.js';
import { policyWarnings } from './warnings.js';
import type { CompiledPolicy } from './compile.js';
import { policyPathFromConfig } from './config-policy-path.js';
import { PolicyError, problemLine } from './errors.js';
import { explain, formatExplanation } from './explain.js';
import { loadDefaultPolicy, loadPolicyFile } from './load-file.js';
import { sanKind } from './san-kind.js';
import { standInIdentity } from './stand-in-identity.js';

/** Where CLI output goes. */
export interface PolicyCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Body source for `--body -`; process.stdin when absent. */
  stdin?: NodeJS.ReadableStream;
}

/** Usage text of `dockgate policy` (both subcommands). */
export const POLICY_USAGE = `Usage:
  dockgate policy check [--policy FILE | --config FILE]
      Validate a policy (the built-in default without a flag); list every problem with its line.
      --config reads the config file's policy: key (a file without one: the built-in default,
      said so) and refuses what serve refuses about its top level (unknown keys, no content);
      the rest of the config is checked by serve.
  dockgate policy explain --as NAME [--group G]... [--san VALUE]... [--policy FILE | --config FILE]
                          METHOD PATH [--body FILE|-] [--content-type TYPE]
      Show how the policy decides a request for that identity, without contacting the daemon.
      PATH is the request target as a client sends it, e.g. /v1.45/containers/create?name=x.
      --san gives the certificate a subject alternative name, as the policy's sans: lists name
      it (alice@example.com, spiffe://example.org/ci, ::1). The body is read as
      --content-type says (application/json unless given; a form body's values are query values).
Exit codes: 0 valid/allowed, 2 invalid policy or usage (or an unreadable --body file),
3 denied, would-deny (audit mode) or refused before the policy.
`;

/** What `policy check` accepts: each flag takes one value, given once. */
export const CHECK_ARGS = { values: ['policy', 'config'] } as const satisfies ArgSpec;
/** What `policy explain` accepts: `--group` and `--san` repeatable, the others given once. */
export const EXPLAIN_ARGS = { values: ['policy', 'config', 'as', 'body', 'content-type'], lists: ['group', 'san'] } as const satisfies ArgSpec;

/** Run `dockgate policy ...` with the arguments after `policy`. */
export async function runPolicyCommand(argv: string[], io: PolicyCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  // `policy help` and `policy help check|explain` print the usage; another topic is a usage error.
  const helpTopic = sub === 'help' && rest.length > 0 && !(rest.length === 1 && (rest[0] === 'check' || rest[0] === 'explain')) ? rest.join(' ') : undefined;
  if (helpTopic !== undefined) {
    io.stderr.write(`dockgate policy: unknown policy command "${escapeHidden(helpTopic)}"\n\n${withCommandName(POLICY_USAGE)}`);
    return 2;
  }
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? io.stderr : io.stdout).write(withCommandName(POLICY_USAGE));
    return sub === undefined ? 2 : 0;
  }
  if ((sub === 'check' || sub === 'explain') && rest.some((a) => a === '--help' || a === '-h')) {
    io.stdout.write(withCommandName(POLICY_USAGE));
    return 0;
  }
  try {
    if (sub === 'check') return check(rest, io);
    if (sub === 'explain') return await explainCommand(rest, io);
    throw new UsageError(`unknown policy command "${sub}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      // It quotes the command line (a flag, a --body file name), which may be pasted with hidden characters.
      io.stderr.write(`dockgate policy: ${escapeHidden(err.message)}\n\n${withCommandName(POLICY_USAGE)}`);
      return 2;
    }
    if (err instanceof PolicyError) {
      writeProblems(err, io);
      return 2;
    }
    // A --config whose top-level shape serve would refuse: serve's own message.
    if (err instanceof ConfigError) {
      io.stderr.write(`dockgate policy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** The policy a command works on, and a note when a --config names no policy. */
interface SelectedPolicy {
  policy: CompiledPolicy;
  /** Set when --config FILE has no `policy:` key, so the built-in default was taken. */
  note?: string;
}

/** Load the policy named by --policy or --config, else the built-in default. */
function selectPolicy(values: Record<string, string>): SelectedPolicy {
  if (values.policy !== undefined && values.config !== undefined) throw new UsageError('give --policy or --config, not both');
  // An unset variable in quotes (`--policy "$POLICY"`) is no file name: a usage error, as serve's `--config ''`.
  for (const flag of ['policy', 'config'] as const) if (values[flag] === '') throw new UsageError(`--${flag} is empty`);
  if (values.policy !== undefined) return { policy: loadPolicyFile(values.policy) };
  if (values.config === undefined) return { policy: loadDefaultPolicy() };
  const file = policyPathFromConfig(values.config);
  if (file !== undefined) return { policy: loadPolicyFile(file) };
  return { policy: loadDefaultPolicy(), note: `${values.config} has no policy: key; serve would use the built-in default` };
}

function check(argv: string[], io: PolicyCliIo): number {
  const args = parseArgs(argv, CHECK_ARGS);
  refuseRepeated(argv, CHECK_ARGS.values, CHECK_ARGS.values);
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const { policy, note } = selectPolicy(args.values);
  const modes = policy.rules.filter((r) => r.mode === 'audit').length;
  const lines = [
    `policy OK: ${policy.source ?? '(built-in default)'}`,
    ...(note ? [`  ${note}`] : []),
    `  version ${policy.version}, mode ${policy.mode}, ${policy.rules.length} rule${policy.rules.length === 1 ? '' : 's'}${modes ? ` (${modes} in audit mode)` : ''}`,
    ...policy.rules.map((r) => `  - ${r.name}: ${r.effect} ${r.selectors.map((s) => s.text).join(', ')}${r.guards.length ? ` [guards: ${r.guards.map((g) => g.definition.key).join(', ')}]` : ''}`),
    ...policyWarnings(policy).map((warning) => `warning: ${warning}`),
  ];
  // The names warnings list (`who` entries: `user \u202Eecila` would print as alice) and the
  // file's name are the author's text: hidden characters written \uXXXX, as `policy explain` does.
  io.stdout.write(lines.map((line) => `${escapeHidden(line)}\n`).join(''));
  return 0;
}

async function explainCommand(argv: string[], io: PolicyCliIo): Promise<number> {
  const args = parseArgs(argv, EXPLAIN_ARGS);
  refuseRepeated(argv, EXPLAIN_ARGS.values, [...EXPLAIN_ARGS.values, ...EXPLAIN_ARGS.lists]);
  const name = args.values.as;
  if (!name) throw new UsageError('--as NAME is required');
  const [method, target, ...extra] = args.positionals;
  if (!method || !target || extra.length) throw new UsageError('give METHOD and PATH');
  const { policy } = selectPolicy(args.values);
  const contentType = args.values['content-type'];
  if (contentType !== undefined && args.values.body === undefined) throw new UsageError('--content-type needs --body');
  const body = args.values.body === undefined ? undefined : await readBody(args.values.body, io);
  const identity = standInIdentity(name, args.lists.group ?? [], sansOf(args.lists.san ?? []), '(policy explain)');
  let facts;
  try {
    const headers: Record<string, string> = body ? { 'content-type': contentType ?? 'application/json', 'content-length': String(body.length) } : {};
    facts = buildFacts({ method: method.toUpperCase(), rawTarget: target, headers, body });
  } catch (err) {
    // The refusal quotes the request (`duplicate key "\u202E"`, a path): written as explain's other lines are.
    io.stdout.write(`request refused before the policy: ${escapeHidden((err as Error).message)}\n`);
    if (formEndingInNewline(err, contentType, body)) {
      io.stdout.write("hint: the form body ends in a newline (echo writes one), which Go keeps in the last value and the gateway refuses: write the body with printf (printf 'a=b' | ...)\n");
    }
    return 3;
  }
  const e = explain(policy, identity, facts);
  io.stdout.write(formatExplanation(e));
  return e.decision.outcome === 'allow' ? 0 : 3;
}

/**
 * Whether a refusal is of a form body's final newline, the one `echo` writes: worth a hint,
 * since the gateway refuses such a body (parseFormBody) as it would from a client. Only when
 * the body without it would be read: after another refused byte, printf would not help.
 */
function formEndingInNewline(err: unknown, contentType: string | undefined, body: Uint8Array | undefined): boolean {
  // Checked in this order: a Content-Type bodyMediaKind throws on never gets to a bad-query refusal.
  return err instanceof FactsError && err.code === 'bad-query' && body?.[body.length - 1] === 0x0a && bodyMediaKind(contentType) === 'form' && readsAsForm(body.subarray(0, -1));
}

/** Whether the gateway reads `body` as a form body (parseFormBody does not refuse it). */
function readsAsForm(body: Uint8Array): boolean {
  try {
    parseFormBody(body);
    return true;
  } catch {
    return false;
  }
}

/** The SANs `--san` gives the identity, each of the kind its form says (san-kind.ts), as `sans:` rules read them. */
function sansOf(values: readonly string[]): Identity['sans'] {
  const sans: Identity['sans'] = { dns: [], ip: [], email: [], uri: [] };
  for (const v of values) {
    if (v === '') throw new UsageError('--san needs a value');
    sans[sanKind(v)].push(v);
  }
  return sans;
}

async function readBody(source: string, io: PolicyCliIo): Promise<Uint8Array> {
  if (source !== '-') {
    try {
      return new Uint8Array(readFileSync(source));
    } catch (err) {
      throw new UsageError(`cannot read --body ${source}: ${readFailure(source, err)}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin ?? process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

function writeProblems(err: PolicyError, io: PolicyCliIo): void {
  const file = err.source ?? '(policy)';
  // A problem quotes what the file says (`rule name "\u202Eecila" must be ...`): hidden characters written \uXXXX.
  io.stderr.write(`${escapeHidden(file)}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
  for (const p of err.problems) io.stderr.write(`  ${escapeHidden(problemLine(file, p))}\n`);
}
