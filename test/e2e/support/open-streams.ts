/** A test gateway's open streams, read from its admin listener's metrics. */
import type { TestGateway } from './gateway.js';

/** Streaming exchanges `gw` holds open (its `dockgate_open_streams` gauge; the admin listener must be on loopback without TLS). */
export async function openStreams(gw: TestGateway): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  const m = /^dockgate_open_streams (\d+)$/m.exec(text);
  if (!m) throw new Error('no dockgate_open_streams in /metrics');
  return Number(m[1]);
}
