/**
 * What the `changes` of a commit or an import can do to the gateway's labels. dockerd joins
 * them with newlines and parses them as a Dockerfile (BuildFromConfig): a `LABEL` key may be
 * quoted or escaped in pieces (`"dockgate"."owner"`, `dock\gate.owner`), may use a variable
 * (`${X}.owner`, expanded from an `ENV` in the same changes or the base config's environment:
 * a commit's container, or its body's `Config`), and a change ending in a line continuation
 * joins the next one (`LABEL a=1 dock\` and `gate.owner=carol` set `dockgate.owner`). Seen on
 * dockerd 20.10 by the rev-images review and its fix: an admin's commit with each of these
 * spellings set `dockgate.owner=carol` while the gateway took it for a change naming no label.
 */
import { instructionArguments, instructionKeyword, UNKNOWN_INSTRUCTION } from '../facts/change-instructions.js';
import { RESERVED_PREFIX } from './labels.js';

/**
 * dockerd joins `changes` with newlines and parses them as a Dockerfile, after which the
 * gateway's own LABEL comes last (a tenant's commit or import). A change could swallow that
 * LABEL into its own value with a line continuation (`\`, or `` ` `` after an `# escape=`
 * directive), join the next change, or start a comment or directive; each change must be one
 * plain instruction.
 */
export function unsafeChange(change: string): boolean {
  return /[\r\n]/.test(change) || /[\\`]\s*$/.test(change) || /^\s*#/.test(change);
}

/**
 * Whether a change names a gateway label in any spelling the Dockerfile parser reads as one:
 * its text with quotes, backslashes and backticks (the escape characters it allows) removed
 * mentions `dockgate.`, in any case.
 */
export function namesReservedLabel(change: string): boolean {
  return change.replace(/["'\\`]/g, '').toLowerCase().includes(RESERVED_PREFIX);
}

/**
 * Whether one plain instruction (unsafeChange false) with a `$` could set a label through a
 * variable: decided by its keyword as the parser reads it (instructionKeyword: Go's TrimSpace,
 * the first token, lower-cased as Go does; dockerd drops a byte-order mark before the first
 * change only). A `LABEL`, an `ONBUILD` whose instruction is a `LABEL`, or a keyword that is no
 * Dockerfile instruction (dockerd refuses it; failing closed) counts; a `$` in `CMD`, `ENV`,
 * `WORKDIR` and the other instructions sets no label, whatever their text says.
 */
function labelWithVariable(change: string, first: boolean): boolean {
  if (!change.includes('$')) return false;
  const line = first ? change.replace(/^\ufeff/, '') : change;
  let keyword = instructionKeyword(line);
  // parseSubCommand: ONBUILD's arguments are parsed as an instruction line of their own (a flag
  // before it reads as an unknown keyword here, and counts).
  if (keyword === 'ONBUILD') keyword = instructionKeyword(instructionArguments(line));
  return keyword === 'LABEL' || keyword === UNKNOWN_INSTRUCTION;
}

/**
 * Whether `changes` could set a gateway label, as far as the gateway can tell without dockerd's
 * parser and the base config: one names a gateway label (namesReservedLabel, whatever the
 * instruction), one is a `LABEL` (also under `ONBUILD`, or an unknown keyword) with a `$` (a
 * variable dockerd expands from an `ENV` the gateway may not see: labelWithVariable), or one is
 * not a single plain instruction (unsafeChange: a line break, a comment or directive, a line
 * continuation joining the next change; checked first, so the keyword test only ever sees one
 * instruction line). Fails closed: true when unsure.
 */
export function mayWriteReservedLabel(changes: readonly string[]): boolean {
  return changes.some((c, i) => unsafeChange(c) || namesReservedLabel(c) || labelWithVariable(c, i === 0));
}
