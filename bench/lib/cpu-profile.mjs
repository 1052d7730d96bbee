/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per
 * source file, so the report can say where the gateway's time goes.
 */
import { readFileSync } from 'node:fs';

function place(frame) {
  const url = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  return url ? `${url}:${frame.lineNumber + 1}` : '(native)';
}

/** Self time (ms) by function and by file, largest first, plus the total sampled time. */
export function summarizeProfile(file, top = 30) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const f = node.callFrame;
    total += us;
    const fn = `${f.functionName || '(anonymous)'} ${place(f)}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const fileKey = f.url ? place(f).replace(/:\d+$/, '') : f.functionName || '(native)';
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { totalMs: total / 1000, functions: rank(byFunction), files: rank(byFile) };
}
