/**
 * The errors of tenancy's daemon client name the path they asked for with its userinfo masked:
 * the path holds the caller's object name (`/images/u%3Apw%40host/x/json`), and the message
 * becomes a 502's text and an audit reason (rev-secrets s27 F5). Against a unix-socket server
 * standing in for the daemon: one that never answers (timeout), one that answers too much.
 */
import { describe, expect, it } from 'vitest';
import { createDaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { UpstreamTarget } from '../../../src/proxy/upstream-target.js';
import { useDaemonStandIn } from './daemon-stand-in.js';

const startStandIn = useDaemonStandIn('dg-daemon-client-');

/** A daemon stand-in on a unix socket that answers each request with `answer` (or never). */
function daemon(answer?: Buffer): Promise<UpstreamTarget> {
  return startStandIn((_req, res) => {
    if (answer) res.end(answer);
  });
}

const PATH = '/images/u%3ASEKRIT-301%40h/x/json';

describe('daemon client errors', () => {
  it('a timed-out request names the path masked', async () => {
    const client = createDaemonClient(await daemon(), 200);
    const err = await client.get(PATH).then(() => undefined, (e: Error) => e);
    expect(err?.message).toBe('daemon request GET /images/***@h/x/json timed out');
  });

  it('an answer over the cap names the path masked', async () => {
    const client = createDaemonClient(await daemon(Buffer.alloc(4096, 0x61)), 5_000, 1024);
    const err = await client.get(PATH).then(() => undefined, (e: Error) => e);
    expect(err?.message).toBe('daemon answer to /images/***@h/x/json exceeds 1024 bytes');
  });
});
