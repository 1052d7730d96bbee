/** Aggregation of per-round samples into one figure per scenario and target. */

/** Median of numbers (undefined for none). */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** MiB/s of one load-generator result: the larger of the bytes received and sent, over its wall time. */
export function mibPerSecond(result) {
  return Math.max(result.body_bytes, result.bytes_sent) / result.elapsed / (1024 * 1024);
}

/**
 * One cell of the table from a target's samples of a scenario: medians of rounds for rates
 * and latencies; CPU per 10k requests from the summed CPU and request counts, which is
 * steadier than a median of small per-round figures; for streams, CPU seconds per stream.
 */
export function aggregate(samples) {
  const cpu = samples.reduce((s, x) => s + x.proxyCpu, 0);
  const requests = samples.reduce((s, x) => s + x.result.completed, 0);
  const daemonCpu = samples.reduce((s, x) => s + x.daemonCpu, 0);
  return {
    rounds: samples.length,
    rps: median(samples.map((x) => x.result.rps)),
    p50: median(samples.map((x) => x.result.p50_us / 1000)),
    p99: median(samples.map((x) => x.result.p99_us / 1000)),
    mbps: median(samples.map((x) => mibPerSecond(x.result))),
    cpu10k: requests ? (cpu / requests) * 10_000 : undefined,
    // A stream scenario moves one stream per round: the proxy's CPU seconds per stream.
    cpuStream: samples.length ? cpu / samples.length : undefined,
    daemonCpu10k: requests ? (daemonCpu / requests) * 10_000 : undefined,
    requests,
  };
}
