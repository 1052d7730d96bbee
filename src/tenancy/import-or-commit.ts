/**
 * Image import (`fromSrc`) and container commit: the owner labels set by a `LABEL` change, and
 * changes that could dodge them refused.
 */
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { namesReservedLabel, unsafeChange } from './label-changes.js';
import { rebuildTarget } from './target.js';
import { withForm } from './create-forward.js';
import { reserved } from './create-refusals.js';
import { CREATED_LABEL } from './container-seal.js';

/** `LABEL` instruction setting the given labels (for `changes` of commit and import). */
export function labelChange(labels: Record<string, string>): string {
  return 'LABEL ' + Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
}

/**
 * The labels the gateway's last `LABEL` of a commit's or an import's `changes` sets: the owner
 * labels, and CREATED_LABEL cleared. Every label the gateway reads is set or cleared by it, over
 * whatever a change set through a variable (`LABEL ${Y}=abc` with `Y=dockgate.created` in the
 * committed container's environment gave the image `dockgate.created=abc`: probe s31 F1). A
 * commit would otherwise also copy its container's own mark to the image; an image needs none
 * (containers get a fresh one, and an empty one proves nothing: container-seal.ts).
 */
function appendedLabels(owner: Record<string, string>): Record<string, string> {
  return { ...owner, [CREATED_LABEL]: '' };
}

/** Instructions dockerd accepts in `changes` (moby's validCommitCommands). */
const CHANGE_INSTRUCTIONS = new Set(['cmd', 'entrypoint', 'env', 'expose', 'healthcheck', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir']);

/**
 * How a refusal names a change: ` (ENV)` for its instruction keyword when that is one dockerd
 * accepts, ` (comment)` for a leading `#`, else nothing. Never any other text of the change.
 */
function changeInstruction(change: string): string {
  if (/^\s*#/.test(change)) return ' (comment)';
  const keyword = /^\s*([A-Za-z]+)(?=\s|$)/.exec(change)?.[1];
  return keyword !== undefined && CHANGE_INSTRUCTIONS.has(keyword.toLowerCase()) ? ` (${keyword.toUpperCase()})` : '';
}

/** Import (`fromSrc`) and commit: owner labels via a `LABEL` change, client LABELs of ours refused. */
export function importOrCommit(ctx: TenancyContext, labels: Record<string, string>, params: Record<string, string>): TenancyVerdict {
  const { facts } = ctx.req;
  const changes = facts.queryAll.changes ?? [];
  const unsafe = changes.findIndex(unsafeChange);
  if (unsafe !== -1) {
    // Named by position and instruction only: a change such as `ENV TOKEN=...` carries a value.
    const what = `change #${unsafe + 1}${changeInstruction(changes[unsafe] ?? '')}`;
    return deny(403, 'unsafe-change', tenancyMessage(ctx, `${what} is refused: no line breaks, comments or parser directives, and no line continuation at the end`));
  }
  // A LABEL instruction can spell a key many ways (quotes, escapes): refuse any mention of ours.
  // A variable (`LABEL ${X}.owner=`) is let through: the gateway's own LABEL comes last and sets
  // owner, team and created over whatever it expanded to (label-changes.ts, appendedLabels).
  if (changes.some(namesReservedLabel)) return reserved(ctx, ['dockgate.*']);
  const result = forward({ target: rebuildTarget(facts, { params: {}, query: params, append: { changes: [labelChange(appendedLabels(labels))] } }) });
  return withForm(ctx, result);
}
