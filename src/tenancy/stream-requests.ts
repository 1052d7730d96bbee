/**
 * Which requests take a slot of the `streams` quota: every streamed answer and every hijacked
 * session (the daemon keeps a connection and a goroutine for it as long as the client reads,
 * and a client that reads slowly holds it open: logs, events, stats, wait, builds, archives,
 * exports, saves, pulls and pushes, attach, exec, the BuildKit session), except the two whose
 * answer is one small object sent at once: `stats` with `stream` false (`docker stats
 * --no-stream`) and a detached exec start (`docker exec -d`). Query flags are read as dockerd
 * reads them; a value the gateway cannot read as dockerd does counts (fail closed).
 */
import type { RequestFacts } from '../core/types.js';
import { field } from '../facts/go-fold.js';
import { goBoolValue } from '../facts/query.js';

/** dockerd's `httputils.BoolValueOrDefault`: `fallback` when the key is absent, else BoolValue (undefined when unreadable). */
function flag(query: Record<string, string>, key: string, fallback: boolean): boolean | undefined {
  const value = query[key];
  return value === undefined ? fallback : goBoolValue(value);
}

/** Streaming operations that may answer with one small object, by what decides it. */
const BY_OPERATION: Readonly<Record<string, (facts: RequestFacts) => boolean>> = {
  // `stream` is BoolValueOrDefault(true): absent streams, present is BoolValue (unreadable counts).
  ContainerStats: (f) => flag(f.query, 'stream', true) !== false,
  // A detached exec start (`docker exec -d`) is answered at once; any other hijacks the
  // connection, Upgrade header or not. Go's decoder accepts only a JSON boolean here.
  ExecStart: (f) => field(f.body, 'Detach') !== true,
};

/** Whether the request holds a slot of the `streams` quota while it is open. */
export function holdsStream(facts: RequestFacts): boolean {
  const op = facts.operation;
  if (!op) return false;
  const byOperation = BY_OPERATION[op.name];
  if (byOperation) return byOperation(facts);
  return op.streaming || op.hijack;
}
