/**
 * The answer watch (ForwardHooks.answerWatch) of a forwarded request: started on a 200 answer,
 * and told once that the answer ended.
 */
import type { IncomingMessage } from 'node:http';
import { HOOKS, WATCH, type WithHooks } from './exchange-state.js';

/** Start watching `proxyRes` (a 200 answer) when the request has a watch. */
export function startWatch(req: WithHooks, proxyRes: IncomingMessage): void {
  const watch = req[HOOKS]?.answerWatch;
  if (!watch || proxyRes.statusCode !== 200) return;
  req[WATCH] = { watch, settled: false };
  proxyRes.on('data', (chunk: Buffer) => watch.seen(chunk));
}

/** Tell the watch its answer ended (once; later calls get the same promise). Undefined without a watch. */
export function watchEnded(req: WithHooks, complete: boolean): Promise<Buffer | undefined> | undefined {
  const w = req[WATCH];
  if (!w) return undefined;
  if (!w.ended) {
    w.ended = w.watch.ended(complete).catch(() => undefined);
    void w.ended.then(() => (w.settled = true));
  }
  return w.ended;
}
