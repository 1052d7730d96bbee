/**
 * Scenario 6 as the bench and `ab.mjs --idle` run it on one target: the idle `/events` streams
 * held open (scenarios.mjs, idleStreams) while the target's processes are sampled from /proc
 * every half second; the largest resident set sampled is the held figure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sample } from './proc.mjs';
import { idleStreams } from './scenarios.mjs';

/**
 * Hold `ctx.idleStreams` streams on `target` ({ port, pids }) for `ctx.holdSeconds` (ctx as
 * idleStreams.run takes it). Resolves the load generator's `result`, its `problems` (the
 * scenario's checks), and the `before` and `held` (largest RSS) samples of the target.
 */
export async function holdIdleStreams(target, ctx) {
  const before = sample(target.pids());
  const running = idleStreams.run(target, ctx);
  let held = before;
  let finished = false;
  running.finally(() => (finished = true)).catch(() => {});
  while (!finished) {
    await sleep(500);
    const s = sample(target.pids());
    if (s.rssMiB > held.rssMiB) held = s;
  }
  const result = await running;
  return { result, problems: idleStreams.check(result, ctx), before, held };
}
